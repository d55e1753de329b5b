import assert from "node:assert/strict";
import { test } from "node:test";

import { safeLink } from "../../static/notifications/links.js";

test("paths on this site and http(s) URLs pass", () => {
  for (const link of ["/uploads/1/", "/", "/notifications/?before=3#x", "https://example.com/a", "HTTP://example.com"]) {
    assert.equal(safeLink(link), true, link);
  }
});

test("links a browser would take to another site or a script are refused", () => {
  const bad = [
    "/\t/evil.example", // Chromium drops the tab: //evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    "/\u0000/evil.example",
    "/\u007f/evil.example",
    "//evil.example",
    "/\\evil.example", // the URL parser reads \ as / in http(s) URLs
    "\\\\evil.example",
    " /uploads/1/",
    "/uploads/1/\n",
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,hi",
    "uploads/1/",
    "https://",
    "http:/evil.example",
    "",
  ];
  for (const link of bad) assert.equal(safeLink(link), false, JSON.stringify(link));
});

test("only strings", () => {
  for (const link of [null, undefined, 1, {}, ["/a"]]) assert.equal(safeLink(link), false);
});
