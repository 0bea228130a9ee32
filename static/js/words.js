// Word and sentence boundaries for any script (Intl.Segmenter), in UTF-16 indices of a text:
// snapping a selection to whole words, and moving a keyboard caret by word or sentence. The
// segmenter knows scripts without spaces (Thai, Chinese, Japanese) from the article's language;
// no boundary ever falls inside a grapheme (a letter and its marks: Devanagari matras, Arabic
// tashkeel; an emoji with its modifiers; a surrogate pair).

export class TextUnits {
  constructor(text, locale) {
    this.text = text;
    const lang = locale || undefined;
    this.words = new Intl.Segmenter(lang, { granularity: "word" }).segment(text);
    this.sentences = new Intl.Segmenter(lang, { granularity: "sentence" }).segment(text);
    this.graphemes = new Intl.Segmenter(lang, { granularity: "grapheme" }).segment(text);
  }

  // [start, end) widened to whole graphemes, without blank edges: the exact characters a
  // person selected (Alt), never a mark without its letter.
  exact(start, end) {
    if (start > 0 && start < this.text.length) start = this.graphemes.containing(start).index;
    if (end > 0 && end < this.text.length) {
      const last = this.graphemes.containing(end - 1);
      end = last.index + last.segment.length;
    }
    return this.trim(start, end);
  }

  // [start, end) widened to the words it cuts into, without blank edges (Label Studio's
  // "word" granularity). Punctuation and spaces are not widened over.
  snap(start, end) {
    const first = start < this.text.length ? this.words.containing(start) : null;
    if (first?.isWordLike) start = first.index;
    const last = end > 0 ? this.words.containing(end - 1) : null;
    if (last?.isWordLike) end = last.index + last.segment.length;
    return this.exact(start, end);
  }

  trim(start, end) {
    while (start < end && /\s/.test(this.text[start])) start += 1;
    while (end > start && /\s/.test(this.text[end - 1])) end -= 1;
    return [start, end];
  }

  // The end of the next word (a run of letters, or one punctuation mark) after `index`, or the
  // start of the previous one before it.
  wordStep(index, direction) {
    const text = this.text;
    if (direction > 0) {
      for (let at = index; at < text.length; ) {
        const segment = this.words.containing(at);
        const end = segment.index + segment.segment.length;
        if (/\S/.test(segment.segment) && end > index) return end;
        at = end;
      }
      return text.length;
    }
    for (let at = index; at > 0; ) {
      const segment = this.words.containing(at - 1);
      if (/\S/.test(segment.segment) && segment.index < index) return segment.index;
      at = segment.index;
    }
    return 0;
  }

  // The end of this sentence (or the next, when at an end already), without trailing blanks;
  // or the start of this sentence (or the previous one).
  sentenceStep(index, direction) {
    const text = this.text;
    if (direction > 0) {
      for (let at = index; at < text.length; ) {
        const segment = this.sentences.containing(at);
        const [, end] = this.trim(segment.index, segment.index + segment.segment.length);
        if (end > index) return end;
        at = segment.index + segment.segment.length;
      }
      return text.length;
    }
    for (let at = index; at > 0; ) {
      const segment = this.sentences.containing(at - 1);
      const [start] = this.trim(segment.index, segment.index + segment.segment.length);
      if (start < index) return start;
      at = segment.index;
    }
    return 0;
  }

  // The start of the word at or after `index`, where a caret lands on entering select mode.
  wordStart(index) {
    for (let at = index; at < this.text.length; ) {
      const segment = this.words.containing(at);
      if (/\S/.test(segment.segment)) return segment.index;
      at = segment.index + segment.segment.length;
    }
    return index;
  }
}
