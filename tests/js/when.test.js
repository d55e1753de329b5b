import assert from "node:assert/strict";
import { test } from "node:test";

import { dayLabel, formatsFor, relative, until } from "../../static/notifications/when.js";

const F = formatsFor("en-GB", "Asia/Tokyo");
const NOW = new Date("2026-12-05T14:00:00+09:00");
const at = (iso) => new Date(iso);

test("past times read as ago, yesterday, or a date", () => {
  assert.equal(relative(at("2026-12-05T13:59:30+09:00"), NOW, F), "just now");
  assert.equal(relative(at("2026-12-05T13:55:00+09:00"), NOW, F), "5 min ago");
  assert.equal(relative(at("2026-12-05T11:00:00+09:00"), NOW, F), "3 h ago");
  assert.equal(relative(at("2026-12-04T17:00:00+09:00"), NOW, F), "yesterday, 17:00");
  assert.equal(relative(at("2026-11-30T08:00:00+09:00"), NOW, F), "30 Nov, 08:00");
});

test("future times read forward, never 'just now'", () => {
  assert.equal(relative(at("2026-12-05T14:59:00+09:00"), NOW, F), "in 59 min");
  assert.equal(relative(at("2026-12-05T18:00:00+09:00"), NOW, F), "18:00 today");
  assert.equal(relative(at("2026-12-06T08:00:00+09:00"), NOW, F), "08:00 tomorrow");
  assert.equal(until(at("2026-12-06T08:00:00+09:00"), NOW, F), "until 08:00 tomorrow");
  assert.equal(until(at("2026-12-05T14:59:00+09:00"), NOW, F), "until 14:59 (in 59 min)");
});

test("days follow the given zone, not the machine's", () => {
  // 23:30 UTC on the 4th is the 5th in Tokyo.
  assert.equal(dayLabel(at("2026-12-04T23:30:00Z"), NOW, F), "Today");
  assert.equal(dayLabel(at("2026-12-04T10:00:00+09:00"), NOW, F), "Yesterday");
  assert.equal(dayLabel(at("2026-12-01T10:00:00+09:00"), NOW, F), "Tuesday");
});

test("the clock is 24-hour in every language, as the pages' own times", () => {
  const at = new Date("2026-12-06T13:45:00Z");
  for (const locale of ["en", "en-US", "pl", "de"]) {
    assert.equal(formatsFor(locale, "UTC").clock.format(at), "13:45", locale);
  }
});
