// Settings and URLs reach the client only as data- attributes of the page (rendered from
// Django settings and URL names); nothing is copied here. A missing one is a page bug,
// so it throws rather than fall back to a guess.

function required(dataset, name) {
  const value = dataset[name];
  if (value === undefined || value === "") throw new Error("notifications: data-" + name + " is missing");
  return value;
}

function number(dataset, name) {
  const value = Number(required(dataset, name));
  if (!Number.isFinite(value) || value < 0) throw new Error("notifications: data-" + name + " is not a number");
  return value;
}

/** The toast stack's settings from #toasts' dataset (a DOMStringMap or a plain object). */
export function stackConfig(dataset) {
  return {
    syncLimit: number(dataset, "syncLimit"),
    maxAckIds: number(dataset, "maxAckIds"), // the most ids one ack or seen frame carries
    toastLimit: number(dataset, "toastLimit"),
    // On a narrow screen (the media query of app.css's bottom stack) fewer show.
    narrowLimit: number(dataset, "narrowLimit"),
    narrowQuery: required(dataset, "narrowQuery"),
    hideAfterMs: 1000 * number(dataset, "hideAfter"),
    burstCount: number(dataset, "burstCount"),
    burstWindowMs: 1000 * number(dataset, "burstWindow"),
    inboxUrl: required(dataset, "inboxUrl"),
    socketUrl: required(dataset, "socketUrl"),
    probeUrl: required(dataset, "probeUrl"), // is the server back? (probe.js)
    // The socket's Server-Sent Events fallback and where its frames are POSTed (sse.js).
    streamUrl: required(dataset, "streamUrl"),
    streamSendUrl: required(dataset, "streamSendUrl"),
    readUrl: required(dataset, "readUrl"),
    loginUrl: required(dataset, "loginUrl"),
    userId: required(dataset, "user"), // names the tabs' shared socket (leader.js)
    // Threads' "Mute" and actions (docs/inbox.md); pages without them show neither.
    muteUrl: dataset.muteUrl || "",
    actUrl: dataset.actUrl || "",
  };
}

export { required };
