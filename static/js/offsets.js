// Browsers count UTF-16 code units; the server counts code points (FORMATS.md §1).
// An emoji such as 👋 is 2 units but 1 code point, so every offset crossing the line is converted.

export function codePointLength(text) {
  let count = 0;
  for (const _ of text) count += 1; // string iteration walks code points
  return count;
}

export function unitsToCodePoints(text, units) {
  return codePointLength(text.slice(0, units));
}

export function codePointsToUnits(text, codePoints) {
  return Array.from(text).slice(0, codePoints).join("").length;
}

// The code-point offset in the article body of a DOM point (node, offset) inside `container`,
// whose leaf elements carry data-start (their first code point in the body).
export function bodyOffset(container, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const leaf = node.parentElement.closest("[data-start]");
    return Number(leaf.dataset.start) + unitsToCodePoints(node.data, offset);
  }
  if (node.dataset && node.dataset.start !== undefined) {
    // A point inside a leaf element: before (0) or after its text.
    const start = Number(node.dataset.start);
    return offset === 0 ? start : start + codePointLength(node.textContent);
  }
  // A point between the container's leaves.
  const leaves = container.querySelectorAll("[data-start]");
  if (offset < node.childNodes.length) {
    const leaf = node.childNodes[offset];
    if (leaf.dataset && leaf.dataset.start !== undefined) return Number(leaf.dataset.start);
  }
  const last = leaves[leaves.length - 1];
  return last ? Number(last.dataset.start) + codePointLength(last.textContent) : 0;
}

// [start, end) in code points and the selected text, or null when the selection is not a
// usable claim (collapsed, whitespace only, or reaching outside the article body).
export function selectionInBody(container, selection) {
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) {
    return null;
  }
  const quote = range.toString();
  if (!quote.trim()) return null;
  const start = bodyOffset(container, range.startContainer, range.startOffset);
  const end = bodyOffset(container, range.endContainer, range.endOffset);
  if (end <= start) return null;
  return { start, end, quote };
}

// The UTF-16 index into the container's text (its textContent) of a DOM point inside it.
export function textIndex(container, node, offset) {
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

// The DOM point (text node, offset) at a UTF-16 index into the container's text.
export function domPoint(container, index) {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  let at = 0;
  let last = null;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (index <= at + node.data.length) return [node, index - at];
    at += node.data.length;
    last = node;
  }
  return last ? [last, last.data.length] : [container, 0];
}
