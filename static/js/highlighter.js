// Highlighting claims: a floating "Highlight claim" control at the selection's end, selections
// snapped to whole words (Alt keeps exact characters), a keyboard "select mode" with a caret
// that moves by word or sentence, and adjusting an open claim's boundaries the same way.
// Offsets go to the server in code points (offsets.js); everything here counts UTF-16 units
// of the body's text, as the DOM does.
import { codePointsToUnits, domPoint, selectionInBody, textIndex } from "./offsets.js";
import { plainKey, typing } from "./keys.js";
import { TextUnits } from "./words.js";

const GAP_PX = 6;
const MARGIN_PX = 8;
const EDGE_PX = 80;

export function initHighlighter(body) {
  const spanForm = document.getElementById("span-form");
  if (!body || !spanForm) return;
  const boundsForm = document.getElementById("bounds-form");
  const toggle = document.getElementById("select-mode");
  const adjustButton = document.getElementById("adjust-span");
  const status = document.getElementById("select-status");
  const caret = document.createElement("div");
  caret.className = "select-caret is-hidden";
  caret.setAttribute("aria-hidden", "true");
  document.body.append(caret);
  body.tabIndex = -1; // select mode takes the focus here, so Enter reaches no button

  let units = null; // built on first use: the body's text never changes on the page
  const text = () => (units ??= new TextUnits(body.textContent, body.lang)).text;
  const state = { selecting: false, adjusting: false, anchor: 0, focus: 0 };

  const announce = (message) => {
    if (status) status.textContent = message;
  };

  // --- the DOM selection, in UTF-16 indices of the body's text

  function select(anchor, focus) {
    state.anchor = anchor;
    state.focus = focus;
    const selection = window.getSelection();
    if (anchor === focus) {
      selection.removeAllRanges();
    } else {
      selection.setBaseAndExtent(...domPoint(body, anchor), ...domPoint(body, focus));
    }
    if (state.selecting) showCaret(focus);
  }

  function selectedIndices() {
    const selection = window.getSelection();
    if (!selection.rangeCount || !body.contains(selection.anchorNode)) return null;
    if (!body.contains(selection.focusNode)) return null;
    return [
      textIndex(body, selection.anchorNode, selection.anchorOffset),
      textIndex(body, selection.focusNode, selection.focusOffset),
    ];
  }

  // Whole words, or with `exact` the characters selected (whole graphemes all the same).
  function snapSelection({ exact }) {
    const picked = selectedIndices();
    if (!picked || picked[0] === picked[1]) return;
    const [anchor, focus] = picked;
    const backwards = focus < anchor;
    text();
    const widen = exact ? units.exact : units.snap;
    const [start, end] = widen.call(units, Math.min(anchor, focus), Math.max(anchor, focus));
    if (start >= end) return; // blank: nothing to offer
    if (backwards) select(end, start);
    else select(start, end);
  }

  // A claim neither starts nor ends with blanks, however the caret reached them.
  function trimSelection() {
    const { anchor, focus } = state;
    const [start, end] = units.trim(Math.min(anchor, focus), Math.max(anchor, focus));
    if (start >= end) return;
    if (focus < anchor) select(end, start);
    else select(start, end);
  }

  // The viewport box of a caret at `index`: zero-wide, a line high.
  function pointRect(index) {
    const range = document.createRange();
    range.setStart(...domPoint(body, index));
    range.collapse(true);
    const rects = range.getClientRects();
    return rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
  }

  function showCaret(index) {
    const rect = pointRect(index);
    caret.style.left = `${rect.left + window.scrollX - 1}px`;
    caret.style.top = `${rect.top + window.scrollY}px`;
    caret.style.height = `${Math.max(rect.height, 16)}px`;
    caret.classList.remove("is-hidden");
    caret.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  // --- the floating control

  function place(control, rect) {
    if (control.parentElement !== document.body) document.body.append(control);
    control.classList.add("is-floating");
    control.classList.remove("is-hidden");
    const viewportWidth = document.documentElement.clientWidth;
    const viewportHeight = window.innerHeight;
    const width = control.offsetWidth;
    const height = control.offsetHeight;
    const left = Math.max(MARGIN_PX, Math.min(rect.right - width / 2, viewportWidth - width - MARGIN_PX));
    let top = rect.bottom + GAP_PX;
    if (top + height > viewportHeight - MARGIN_PX) top = rect.top - height - GAP_PX;
    if (top < MARGIN_PX) top = Math.max(MARGIN_PX, viewportHeight - height - MARGIN_PX);
    control.style.left = `${left + window.scrollX}px`;
    control.style.top = `${top + window.scrollY}px`;
  }

  function hideControls() {
    for (const control of [spanForm, boundsForm]) control?.classList.add("is-hidden");
  }

  // Show the control for the current selection; with `focus`, put the keyboard on its button.
  function offer({ focus }) {
    const picked = selectionInBody(body, window.getSelection());
    if (!picked) {
      hideControls();
      return false;
    }
    const control = state.adjusting ? boundsForm : spanForm;
    control.elements.start.value = String(picked.start);
    control.elements.end.value = String(picked.end);
    if (control === spanForm) {
      control.elements.quote.value = picked.quote;
      document.getElementById("span-form-quote").textContent = picked.quote;
    } else {
      document.getElementById("bounds-form-quote").textContent = picked.quote;
    }
    const indices = selectedIndices();
    place(control, pointRect(indices ? indices[1] : 0));
    if (focus) control.querySelector("button[type=submit]").focus({ preventScroll: true });
    return true;
  }

  function cancel() {
    hideControls();
    if (state.selecting) {
      body.focus({ preventScroll: true });
      select(state.anchor, state.focus);
    } else {
      window.getSelection().removeAllRanges();
    }
  }

  for (const control of [spanForm, boundsForm]) {
    control?.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      event.stopPropagation();
      cancel();
    });
  }
  document.getElementById("span-form-cancel")?.addEventListener("click", cancel);
  document.getElementById("bounds-form-cancel")?.addEventListener("click", () => {
    leaveSelectMode();
    cancel();
  });

  // --- mouse: snap to words unless Alt is held, then offer the control

  body.addEventListener("mouseup", (event) => {
    snapSelection({ exact: event.altKey });
    const picked = selectedIndices();
    if (state.selecting && picked) {
      state.anchor = picked[0];
      state.focus = picked[1];
      showCaret(picked[1]);
    }
    offer({ focus: true });
  });
  // Shift+arrows with caret browsing: show the control, leave the keyboard where it is.
  body.addEventListener("keyup", (event) => {
    if (!state.selecting && event.shiftKey) offer({ focus: false });
  });

  // --- select mode

  // Right-to-left text (the article's own direction, whatever the page's) reads from the right:
  // its lines start there, and ← moves forward.
  const rightToLeft = () => getComputedStyle(body).direction === "rtl";

  function firstVisibleIndex() {
    const box = body.getBoundingClientRect();
    const y = Math.max(box.top, 0) + 12;
    const x = rightToLeft() ? box.right - 2 : box.left + 2;
    const point = document.caretRangeFromPoint?.(x, y);
    if (!point || !body.contains(point.startContainer)) return 0;
    return units.wordStart(textIndex(body, point.startContainer, point.startOffset));
  }

  function enterSelectMode({ anchor, focus, adjusting = false }) {
    state.selecting = true;
    state.adjusting = adjusting;
    toggle?.setAttribute("aria-pressed", "true");
    body.classList.add("is-selecting");
    hideControls();
    body.focus({ preventScroll: true });
    select(anchor, focus);
    // Mid-screen rather than at an edge, where a mouse drag would scroll the page.
    const box = caret.getBoundingClientRect();
    if (box.top < EDGE_PX || box.bottom > window.innerHeight - EDGE_PX) {
      caret.scrollIntoView({ block: "center" });
    }
    announce(
      adjusting
        ? gettext(
            "Adjusting the claim: Shift+arrows move its end, o switches to its start, Enter saves.",
          )
        : gettext("Select mode: arrows move by word, Shift extends, Enter highlights, Escape leaves."),
    );
  }

  function leaveSelectMode() {
    state.selecting = false;
    state.adjusting = false;
    toggle?.setAttribute("aria-pressed", "false");
    body.classList.remove("is-selecting");
    caret.classList.add("is-hidden");
    announce(gettext("Select mode off."));
  }

  function startSelecting() {
    text();
    const picked = selectedIndices();
    if (picked && picked[0] !== picked[1]) {
      enterSelectMode({ anchor: picked[0], focus: picked[1] });
    } else {
      const index = firstVisibleIndex();
      enterSelectMode({ anchor: index, focus: index });
    }
  }

  function startAdjusting() {
    const full = text();
    const start = codePointsToUnits(full, Number(adjustButton.dataset.start));
    const end = codePointsToUnits(full, Number(adjustButton.dataset.end));
    enterSelectMode({ anchor: start, focus: end, adjusting: true });
  }

  function move(event) {
    const sentence = event.key === "ArrowUp" || event.key === "ArrowDown" || event.ctrlKey;
    const ahead = rightToLeft() ? "ArrowLeft" : "ArrowRight";
    const forward = event.key === "ArrowDown" || event.key === ahead;
    const direction = forward ? 1 : -1;
    const focus = sentence
      ? units.sentenceStep(state.focus, direction)
      : units.wordStep(state.focus, direction);
    // Adjusting always moves one end of the claim; plain selecting collapses without Shift.
    const extend = event.shiftKey || state.adjusting;
    select(extend ? state.anchor : focus, focus);
  }

  toggle?.removeAttribute("hidden");
  toggle?.addEventListener("click", () => {
    if (state.selecting) leaveSelectMode();
    else startSelecting();
  });
  adjustButton?.removeAttribute("hidden");
  adjustButton?.addEventListener("click", startAdjusting);

  const ARROWS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);

  // Registered before the reader's shortcuts: in select mode these keys are the caret's.
  document.addEventListener("keydown", (event) => {
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    if (event.target instanceof Element && event.target.closest(".highlight-control")) return;
    const key = event.key;
    let handled = true;
    if (!state.selecting) {
      if (key === "v" && plainKey(event)) startSelecting();
      else if (key === "a" && plainKey(event) && adjustButton) startAdjusting();
      else handled = false;
    } else if (ARROWS.has(key) && !event.metaKey && !event.altKey) {
      move(event);
    } else if (key === "o" && plainKey(event)) {
      select(state.focus, state.anchor);
    } else if (key === "Enter" && plainKey(event)) {
      trimSelection();
      if (!offer({ focus: true })) announce(gettext("Select some text first: Shift with the arrows."));
    } else if (key === "Escape" || (key === "v" && plainKey(event))) {
      leaveSelectMode();
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // A form sent back with errors (no JS needed to see it): bring it into view.
  if (!spanForm.classList.contains("is-hidden")) {
    spanForm.scrollIntoView({ block: "center" });
  }
}
