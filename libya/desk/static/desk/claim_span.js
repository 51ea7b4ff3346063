"use strict";
// Claim form helper, served as is (no build step). Selecting a passage of the article
// body fills span_start, span_end and text; picking another article loads its body.
// Offsets count Unicode code points, as Python string indexes do (JS counts UTF-16 units).
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("desk-article-body");
  const field = (name) => document.getElementById("id_" + name);
  if (!container || !field("span_start")) {
    return;
  }
  const status = document.getElementById("desk-span-status");
  // Django's JavaScript catalogue (admin jsi18n), loaded by the change form.
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((text) => text);
  const codePoints = (text) => Array.from(text).length;

  function offsetIn(node, offset) {
    const range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return codePoints(range.toString());
  }

  function fillFromSelection() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    const range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) {
      return;
    }
    const raw = range.toString();
    const text = raw.trim();
    if (!text) {
      return;
    }
    // Editors often drag past a word boundary: the span excludes surrounding blanks.
    const start = offsetIn(range.startContainer, range.startOffset) +
      codePoints(raw.slice(0, raw.length - raw.trimStart().length));
    field("span_start").value = start;
    field("span_end").value = start + codePoints(text);
    field("text").value = text;
    if (status) {
      const where = { start, end: start + codePoints(text) };
      status.textContent = interpolate(gettext("Characters %(start)s to %(end)s."), where, true);
    }
  }

  async function loadBody(articleId) {
    if (articleId === container.dataset.article) {
      return; // already shown (widgets may announce one change more than once)
    }
    container.dataset.article = articleId;
    container.textContent = "";
    if (!articleId) {
      return;
    }
    const response = await fetch(container.dataset.urlTemplate.replace("__id__", articleId), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (container.dataset.article !== articleId) {
      return;
    }
    container.textContent = response.ok
      ? (await response.json()).body
      : gettext("The article's body could not be loaded.");
  }

  document.addEventListener("mouseup", fillFromSelection);
  document.addEventListener("keyup", (event) => event.shiftKey && fillFromSelection());
  field("text").addEventListener("input", () => {
    field("span_start").value = "";
    field("span_end").value = "";
  });
  const article = field("article");
  if (article) {
    const reload = () => loadBody(article.value);
    if (window.django && window.django.jQuery) {
      // Select2 (autocomplete widgets) announces changes through jQuery only; jQuery
      // handlers also receive native change events.
      window.django.jQuery(article).on("change", reload);
    } else {
      article.addEventListener("change", reload);
    }
    reload();
  }
});
