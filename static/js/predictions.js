// Machine predictions in the reader: dashed ranges, each followed by a focusable tag (model and
// score). p / Shift+p move between the tags (Tab reaches them too); with a tag focused, y accepts
// and r rejects it through the same HTML forms the side list shows: a POST and a redirect, as
// highlighting does. None of these keys is taken by the reader or the highlighter.
import { plainKey, typing } from "./keys.js";

export function initPredictions(body) {
  if (!body?.querySelector(".pred-tag")) return;
  const tags = () => Array.from(body.querySelectorAll(".pred-tag"));
  let sending = false;

  // The dashed text and the side list's entry light up with their focused tag.
  function mark(id, on) {
    for (const segment of body.querySelectorAll(".pred[data-predictions]")) {
      if (segment.dataset.predictions.split(" ").includes(id)) {
        segment.classList.toggle("is-focused", on);
      }
    }
    document.getElementById(`prediction-item-${id}`)?.classList.toggle("is-focused", on);
  }
  for (const [type, on] of [["focusin", true], ["focusout", false]]) {
    body.addEventListener(type, (event) => {
      const tag = event.target.closest?.(".pred-tag");
      if (tag) mark(tag.dataset.prediction, on);
    });
  }

  // Enter or Space on a tag (a button to assistive technology): its Accept button in the list.
  body.addEventListener("keydown", (event) => {
    const tag = event.target.closest?.(".pred-tag");
    if (!tag || !plainKey(event) || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    event.stopPropagation();
    document.querySelector(`#prediction-accept-${tag.dataset.prediction} button`)?.focus();
  });
  body.addEventListener("click", (event) => event.target.closest(".pred-tag")?.focus());

  // The prediction the keyboard is on: a tag in the text, or an entry of the side list.
  function focused(target) {
    if (!(target instanceof Element)) return null;
    const holder = target.closest(".pred-tag, .prediction-list li[data-prediction]");
    return holder ? holder.dataset.prediction : null;
  }

  function step(direction) {
    const all = tags();
    const current = all.indexOf(document.activeElement);
    const next =
      current < 0
        ? direction > 0
          ? 0
          : all.length - 1
        : Math.min(all.length - 1, Math.max(0, current + direction));
    all[next].focus();
  }

  document.addEventListener("keydown", (event) => {
    if (!plainKey(event) || typing(event.target) || document.querySelector("dialog[open]")) return;
    const key = event.key;
    if (key === "p" || key === "P") {
      event.preventDefault();
      step(key === "p" ? 1 : -1);
      return;
    }
    if (key !== "y" && key !== "r") return;
    const id = focused(event.target);
    if (!id) return;
    event.preventDefault();
    if (sending) return; // a second press must not send a second decision
    const form = document.getElementById(`prediction-${key === "y" ? "accept" : "reject"}-${id}`);
    if (form) {
      sending = true;
      form.requestSubmit();
    }
  });

  // After a rejection the page comes back at the next prediction (#prediction-N): focus it.
  const target = window.location.hash.match(/^#prediction-\d+$/)
    ? document.getElementById(window.location.hash.slice(1))
    : null;
  target?.focus();
}
