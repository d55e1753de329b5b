// "Until tomorrow" means tomorrow morning where the user is: send the browser's zone.
"use strict";
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  for (const input of document.querySelectorAll('input[name="tz"]')) input.value = zone;
})();
