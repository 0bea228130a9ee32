// Keys typed into text go to the text; radios, checkboxes and buttons keep the shortcuts.
const TEXT_ENTRY = [
  "textarea",
  "select",
  "[contenteditable='']",
  "[contenteditable='true']",
  ...["text", "url", "search", "email", "password", "number", "date", "tel"].map(
    (type) => `input[type='${type}']`,
  ),
  "input:not([type])",
].join(", ");

export function typing(target) {
  return target instanceof Element && target.closest(TEXT_ENTRY);
}

export function plainKey(event) {
  return !(event.ctrlKey || event.metaKey || event.altKey);
}
