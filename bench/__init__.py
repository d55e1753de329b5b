"""A load tool for the notification service: real sockets, signed SNS ingress, baselines."""
