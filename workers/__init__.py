"""How work runs away from a request (a ground floor under the apps: Django and the
standard library, none of our models).

`writer_thread.WriterThread` is the batching writer's one thread and the cheap hop to it
and back; `periodic.PeriodicCommand` is the loop of every worker command in the Procfile
(one pass, or one pass every N seconds); `clock.DueClock` is a process's thread for due
work (the snooze clock, the in-process webhook sender).
"""
