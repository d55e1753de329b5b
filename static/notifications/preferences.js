// "Until tomorrow" means tomorrow morning where the user is: send the zone chosen on the
// account page (<html data-time-zone>), else the browser's.
"use strict";
(() => {
  const zone = document.documentElement.dataset.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  for (const input of document.querySelectorAll('input[name="tz"]')) input.value = zone;
})();
