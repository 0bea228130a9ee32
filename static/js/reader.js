// The reader: highlighting (highlighter.js), machine predictions (predictions.js), open claims,
// keyboard shortcuts, source rows, and the messages beside the panel.
import { initHighlighter } from "./highlighter.js";
import { typing } from "./keys.js";
import { initPredictions } from "./predictions.js";

const body = document.getElementById("article-body");
const spanList = document.getElementById("span-list");
const verdictForm = document.getElementById("verdict-form");
const shortcuts = document.getElementById("shortcuts");

// First: in select mode the arrow keys, Enter and Escape belong to the caret.
initHighlighter(body);
initPredictions(body);

// Messages are rendered with the page; put back after load, a live region announces them
// (screen readers read changes of a live region, not what it held when the page loaded).
const messageBox = document.getElementById("reader-messages");
if (messageBox) {
  const regions = ["reader-status", "reader-alerts"].map((id) => document.getElementById(id));
  const shown = regions.map((region) => Array.from(region.childNodes));
  const close = document.getElementById("reader-messages-close");
  if (shown.some((nodes) => nodes.length)) {
    for (const region of regions) region.replaceChildren();
    window.setTimeout(() => regions.forEach((region, i) => region.append(...shown[i])), 100);
    close.hidden = false;
  }
  close.addEventListener("click", () => {
    for (const region of regions) region.replaceChildren();
    messageBox.classList.add("is-empty");
    close.hidden = true;
  });
  // Pinned to the bottom of narrow screens, the messages covered the page's last controls (a
  // claim's Confirm button) until dismissed: the page keeps their height free below it, and a
  // control scrolled into view stops above them (app.css, --pinned-messages).
  // A sheet of its own, not a style attribute: the page's CSP allows no inline styles.
  const sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const reserve = () => {
    const pinned = getComputedStyle(messageBox).position === "fixed";
    const room = pinned ? `${messageBox.getBoundingClientRect().height + 16}px` : "0px";
    sheet.replaceSync(`:root { --pinned-messages: ${room}; }`);
  };
  new ResizeObserver(reserve).observe(messageBox);
  window.addEventListener("resize", reserve);
}

// A refused form comes back with its errors, but the page opens at the panel's top: bring the
// first error into view and put the keyboard on the field it is about.
const firstError = document.querySelector("#panel form .form-errors");
if (firstError) {
  firstError.scrollIntoView({ block: "center" });
  const group = firstError.closest("fieldset") ?? firstError.parentElement;
  const field = group?.querySelector("input:not([type=hidden]), textarea, select");
  field?.focus({ preventScroll: true });
}

body?.addEventListener("click", (event) => {
  const leaf = event.target.closest("[data-span]");
  if (!leaf || !window.getSelection().isCollapsed) return;
  openSpan(leaf.dataset.span);
});

// Deleting a claim takes its verdicts and discussion with it: ask first.
const deleteForm = document.getElementById("delete-span-form");
deleteForm?.addEventListener("submit", (event) => {
  if (!window.confirm(deleteForm.dataset.confirm)) event.preventDefault();
});

// After a form error the page sits at the form's POST address: build the reader's own URL.
const readerUrl = document.getElementById("reader")?.dataset.readerUrl;

function openSpan(id) {
  const url = new URL(readerUrl ?? window.location.pathname, window.location.origin);
  url.searchParams.set("span", id);
  if (new URL(window.location.href).searchParams.get("queue") === "1") {
    url.searchParams.set("queue", "1");
  }
  url.hash = "panel";
  window.location.assign(url.toString());
}

function moveInList(step) {
  const links = Array.from(spanList?.querySelectorAll("a[data-span-id]") ?? []);
  if (!links.length) return;
  const current = links.findIndex((link) => link.getAttribute("aria-current") === "true");
  const next = current < 0 ? 0 : Math.min(links.length - 1, Math.max(0, current + step));
  if (next !== current) openSpan(links[next].dataset.spanId);
}

// Ctrl/Cmd+Enter submits the panel form the focus is in, text fields included (the rationale,
// a comment, a skip reason); anywhere else it submits the verdict.
const panel = document.getElementById("panel");
const queueBar = document.getElementById("queue-bar");

function submitShortcut(event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey) return false;
  const inForm = event.target instanceof Element ? event.target.closest("form") : null;
  if (inForm && !panel?.contains(inForm) && !queueBar?.contains(inForm)) return false; // highlighting
  if (inForm && inForm !== verdictForm) {
    inForm.requestSubmit();
  } else if (verdictForm && !shortcuts?.open) {
    verdictForm.requestSubmit(document.getElementById("submit-verdict"));
  } else {
    return false;
  }
  return true;
}

document.addEventListener("keydown", (event) => {
  if (submitShortcut(event)) {
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (shortcuts?.open) return;
  const key = event.key;
  if (/^[1-9]$/.test(key) && verdictForm) {
    const choices = verdictForm.querySelectorAll("input[name='label']");
    const choice = choices[Number(key) - 1];
    if (choice) {
      choice.checked = true;
      choice.focus();
      event.preventDefault();
    }
  } else if (key === "s" && verdictForm) {
    event.preventDefault();
    verdictForm.requestSubmit(document.getElementById("submit-verdict"));
  } else if (key === "x" && document.getElementById("skip-form")) {
    event.preventDefault();
    document.getElementById("skip-form").requestSubmit();
  } else if (key === "j" || key === "k") {
    event.preventDefault();
    moveInList(key === "j" ? 1 : -1);
  } else if (key === "n") {
    const next = document.getElementById("next-form");
    if (next) {
      event.preventDefault();
      next.requestSubmit();
    }
  } else if ((key === "c" || key === "C") && claimTargets().length) {
    event.preventDefault();
    stepClaim(key === "c" ? 1 : -1);
  } else if ((key === "y" || key === "r") && suggestionOf(event.target)) {
    event.preventDefault();
    answerSuggestion(suggestionOf(event.target), key === "y" ? "confirm" : "reject");
  } else if (key === "?") {
    event.preventDefault();
    shortcuts?.showModal();
  }
});

// The claim box: c / Shift+c move the focus through the suggested claims (or to the linked
// claim); with a suggestion focused, y confirms it and r rejects it (its forms are sent).
function claimTargets() {
  const box = document.getElementById("claim-box");
  if (!box) return [];
  const suggestions = Array.from(box.querySelectorAll(".claim-suggestion"));
  if (suggestions.length) return suggestions;
  const link = document.getElementById("claim-link");
  return link ? [link] : [];
}

function stepClaim(direction) {
  const all = claimTargets();
  const current = all.indexOf(document.activeElement);
  const next =
    current < 0
      ? direction > 0
        ? 0
        : all.length - 1
      : (current + direction + all.length) % all.length;
  all[next].focus();
  all[next].scrollIntoView({ block: "nearest" });
}

function suggestionOf(target) {
  return target instanceof Element && target.matches(".claim-suggestion") ? target : null;
}

let answering = false; // a second press must not send a second answer
function answerSuggestion(item, answer) {
  const form = document.getElementById(`claim-${answer}-${item.dataset.claim}`);
  if (form && !answering) {
    answering = true;
    form.requestSubmit();
  }
}

document.getElementById("show-shortcuts")?.addEventListener("click", () => shortcuts?.showModal());

// Source rows: clone the formset's empty form; check URLs as they are typed.
const addSource = document.getElementById("add-source");
addSource?.addEventListener("click", () => {
  const total = verdictForm.querySelector("input[name='sources-TOTAL_FORMS']");
  const index = Number(total.value);
  const template = document.getElementById("source-row-template");
  const row = template.content.firstElementChild.cloneNode(true);
  for (const element of row.querySelectorAll("[name], [id], [for]")) {
    for (const attribute of ["name", "id", "for"]) {
      const value = element.getAttribute(attribute);
      if (value) element.setAttribute(attribute, value.replaceAll("__prefix__", String(index)));
    }
  }
  document.getElementById("source-rows").append(row);
  total.value = String(index + 1);
  row.querySelector("input").focus();
});

function checkUrl(input) {
  const value = input.value.trim();
  const ok = !value || /^https?:\/\/[^\s]+$/i.test(value);
  input.setCustomValidity(ok ? "" : gettext("Use a web address starting with http:// or https://"));
  input.setAttribute("aria-invalid", ok ? "false" : "true");
  let note = input.parentElement.querySelector(".inline-error");
  if (!ok && !note) {
    note = document.createElement("div");
    note.className = "inline-error form-errors";
    note.setAttribute("role", "alert");
    input.after(note);
  }
  if (note) note.textContent = ok ? "" : input.validationMessage;
}

verdictForm?.addEventListener("input", (event) => {
  if (event.target.matches(".source-url")) checkUrl(event.target);
});
verdictForm?.addEventListener("focusout", (event) => {
  if (event.target.matches(".source-url")) checkUrl(event.target);
});
