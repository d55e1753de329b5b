// The browser's translations: Django's JavaScript catalogue (/jsi18n/<lang>/, a script
// file base.html loads before the modules, so the CSP stays strict). Without it (the
// node tests, a page that does not load it) every string is its English msgid.
// `makemessages -d djangojs` finds the strings by these function names (docs/i18n.md).

function catalog() {
  return globalThis.django && typeof globalThis.django.gettext === "function" ? globalThis.django : null;
}

export function gettext(msgid) {
  const c = catalog();
  return c ? c.gettext(msgid) : msgid;
}

/** The form of `singular`/`plural` for `n`, by the language's plural rule (Polish has three). */
export function ngettext(singular, plural, n) {
  const c = catalog();
  return c ? c.ngettext(singular, plural, n) : n === 1 ? singular : plural;
}

/** "%(name)s" placeholders filled from `values`: translators may reorder them. */
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}
