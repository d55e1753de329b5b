import assert from "node:assert/strict";
import { test } from "node:test";

import { inboxRowUrl, withId } from "../../static/notifications/api.js";
import { stackConfig } from "../../static/notifications/config.js";

const DATASET = {
  syncLimit: "100",
  maxAckIds: "500",
  toastLimit: "5",
  narrowLimit: "2",
  narrowQuery: "(max-width: 48rem)",
  hideAfter: "0",
  burstCount: "3",
  burstWindow: "2.5",
  inboxUrl: "/notifications/",
  socketUrl: "/ws/notifications/",
  probeUrl: "/ping",
  streamUrl: "/sse/notifications/",
  streamSendUrl: "/api/streams/send/",
  readUrl: "/api/notifications/read/",
  loginUrl: "/accounts/login/",
  user: "7",
};

test("settings come from the data- attributes, in the client's units", () => {
  const config = stackConfig(DATASET);
  assert.equal(config.hideAfterMs, 0);
  assert.equal(config.burstWindowMs, 2500);
  assert.equal(config.readUrl, "/api/notifications/read/");
  assert.equal(config.maxAckIds, 500);
});

test("a missing or bad attribute is an error, not a copied default", () => {
  for (const name of Object.keys(DATASET)) {
    const dataset = { ...DATASET };
    delete dataset[name];
    assert.throws(() => stackConfig(dataset), new RegExp(name));
  }
  assert.throws(() => stackConfig({ ...DATASET, toastLimit: "five" }), /toastLimit/);
});

test("URLs with an id come from a template with the placeholder 0", () => {
  assert.equal(withId("/notifications/0/read/", 42), "/notifications/42/read/");
  assert.equal(withId("/app/0/notifications/0/unread/", 7), "/app/0/notifications/7/unread/");
  assert.throws(() => withId("/notifications/read/", 1));
  assert.equal(inboxRowUrl("/notifications/", 41), "/notifications/?show=41#message-41");
});
