// The frame types of the live protocol (docs/protocol.md), declared here once. Every
// module that sends a frame or switches on one imports its name from here: a misspelt
// name is an error when the page loads the modules, not a frame silently ignored.

// Server -> client.
export const SYNC = "sync"; // also client -> server: asks for a fresh `sync`
export const NOTIFICATION = "notification";
export const READ = "read";
export const ARCHIVED = "archived";
export const UNARCHIVED = "unarchived";
export const SNOOZED = "snoozed";
export const DELETED = "deleted";
export const MUTED = "muted";
export const INTERACTED = "interacted";
export const ERROR = "error";
export const PONG = "pong";

// Client -> server.
export const ACK = "ack";
export const SEEN = "seen";
export const ARCHIVE = "archive";
export const UNARCHIVE = "unarchive";
export const DELETE = "delete";
export const PING = "ping";

export const SERVER_TYPES = Object.freeze([SYNC, NOTIFICATION, READ, ARCHIVED, UNARCHIVED, DELETED, MUTED, INTERACTED, SNOOZED, ERROR, PONG]);
export const CLIENT_TYPES = Object.freeze([ACK, SEEN, ARCHIVE, UNARCHIVE, DELETE, SYNC, PING]);

/** Server frames whose `ids` leave the unread set (a toast goes, as on `read`). */
export const LEAVING_UNREAD = Object.freeze([READ, ARCHIVED, SNOOZED, DELETED]);

/**
 * Calls the handler named by the frame's type, `handlers[frame.type](frame)`, and returns
 * what it returns; undefined when there is none (a type this page does not handle, or
 * one from a newer server: ignored, as the protocol asks).
 */
export function dispatch(frame, handlers) {
  const type = frame && frame.type;
  if (typeof type !== "string" || !Object.hasOwn(handlers, type)) return undefined;
  return handlers[type](frame);
}

/** Handlers for `dispatch`: one function for each of `types`. */
export function each(types, handler) {
  return Object.fromEntries(types.map((type) => [type, handler]));
}

export function ackFrame(ids) {
  return { type: ACK, ids: ids };
}

export function seenFrame(ids) {
  return { type: SEEN, ids: ids };
}

export function syncFrame() {
  return { type: SYNC };
}
