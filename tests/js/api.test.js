import assert from "node:assert/strict";
import { test } from "node:test";

import { actUrl, withId } from "../../static/notifications/api.js";

test("an action's URL names the message and the action", () => {
  assert.equal(actUrl("/notifications/0/actions/0/", 42, 1), "/notifications/42/actions/1/");
  assert.equal(actUrl("/notifications/0/actions/0/", "7", "0"), "/notifications/7/actions/0/");
});

test("withId still replaces the one placeholder of a row's URL", () => {
  assert.equal(withId("/notifications/0/read/", 9), "/notifications/9/read/");
});
