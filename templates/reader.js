// The reviewers' tools in the HTML edition: filter and search, copy links, the contents
// entry of the chapter in view. Plain script, inline in the page, so it works offline from
// an e-mail attachment; without it the page is still whole, only the tools are missing.
"use strict";
(function () {
  const records = Array.from(document.querySelectorAll("article.record"));
  const form = document.querySelector("form.filter");
  const status = document.getElementById("filter-status");

  // Case and accents folded, so "cote d'ivoire" finds "Côte d'Ivoire".
  // Quotes and dashes too: the text prints curled quotes and en dashes (html/text.py) that a
  // reviewer types straight ("women's", "2021-2025").
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, '"')
      .replace(/\s?[\u2013\u2014]\s?/g, "-").toLowerCase();
  }
  const texts = new Map(records.map((r) => [r, fold(r.textContent)]));

  // A JSON list: a name may hold any character ("|" split an acronym once).
  function listed(record, name) {
    const value = record.dataset[name] || "";
    return value ? JSON.parse(value) : [];
  }

  function matches(record, want) {
    if (want.entity && !listed(record, "entities").includes(want.entity)) return false;
    if (want.year && !listed(record, "years").includes(want.year)) return false;
    if (want.country && !listed(record, "countries").includes(want.country)) return false;
    return want.words.every((word) => texts.get(record).includes(word));
  }

  function applyFilter() {
    const data = new FormData(form);
    const want = {
      entity: data.get("entity"), year: data.get("year"), country: data.get("country"),
      words: fold(String(data.get("text") || "")).split(/\s+/).filter(Boolean),
    };
    let shown = 0;
    for (const record of records) {
      const visible = matches(record, want);
      record.hidden = !visible;
      if (visible) shown += 1;
    }
    const filtering = shown !== records.length;
    // A section stays only if it still holds a record; chapter introductions and
    // cross-references are hidden while filtering, as they describe the whole chapter.
    for (const section of document.querySelectorAll("section.period, section.chapter")) {
      section.hidden = filtering && !section.querySelector("article.record:not([hidden])");
    }
    // Front and back matter hold no record: folded while filtering, so the first match
    // is not under screens of acronyms, figures and the annex.
    for (const aside of document.querySelectorAll(FOLDED)) {
      aside.hidden = filtering;
    }
    status.textContent = `${shown} of ${records.length} records shown`;
    return filtering ? records.find((r) => !r.hidden) : null;
  }
  const FOLDED = ".see-also, .chapter-intro, .introduction, .acronyms, .figures, .annex, " +
    ".changes, .open-comments";

  // The view is taken to the first match once typing pauses, not at every key.
  let pending = 0;
  function filterAndShow() {
    // A citation pasted in the box ("…compendium.html#anchor…") goes to its place.
    const cited = /#([A-Za-z0-9_-]+)/.exec(form.elements.namedItem("text").value);
    if (cited && document.getElementById(cited[1])) {
      form.reset();
      applyFilter();
      location.hash = cited[1];
      return;
    }
    const first = applyFilter();
    clearTimeout(pending);
    if (first) pending = setTimeout(() => first.scrollIntoView({ block: "start" }), 300);
  }

  // On a phone the sidebar folds to the Find box and its count, kept at the top of the
  // screen; one button unfolds the contents, the other filters and the comments.
  function addSidebarToggle(sidebar) {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "sidebar-toggle";
    toggle.textContent = "Contents and more";
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", () => {
      const open = sidebar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
    // A chapter chosen from the unfolded contents: fold them, or they cover the heading
    // the link goes to (730 of a phone's 900 pixels).
    sidebar.addEventListener("click", (event) => {
      if (sidebar.classList.contains("open") && event.target.closest('a[href^="#"]')) {
        sidebar.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
      }
    });
    sidebar.classList.add("folding");
    form.append(toggle);
  }

  if (form) {
    addSidebarToggle(form.closest(".sidebar"));
    form.hidden = false;
    form.addEventListener("input", filterAndShow);
    form.addEventListener("submit", (event) => { event.preventDefault(); filterAndShow(); });
    form.addEventListener("reset", () => setTimeout(applyFilter, 0));
    applyFilter();
  }

  // Copy links: the page's address with the record's or paragraph's anchor.
  const announcer = document.createElement("p");
  announcer.className = "copy-status";
  announcer.setAttribute("role", "status");
  document.body.appendChild(announcer);

  // A file path means nothing to a colleague with their own copy: without a review_url the
  // link is a citation that resolves in any copy of this draft (its title, anchor and the
  // sources' fingerprint); with one, the full address where the draft is posted.
  const banner = document.querySelector(".draft-banner");
  const draft = banner ? banner.dataset.draft : "";
  const reviewUrl = banner ? banner.dataset.reviewUrl || "" : "";

  function titleOf(anchor) {
    const target = document.getElementById(anchor);
    const record = target ? target.closest("article.record") : null;
    if (!record) return document.title;
    const heading = record.querySelector("h2, h3");
    const text = heading ? heading.textContent.replace(/\s+/g, " ").trim() : record.id;
    const paragraph = anchor.slice(record.id.length + 2);
    return anchor === record.id ? text : `${text}, paragraph ${paragraph.replace("-", ", item ")}`;
  }

  function linkTo(anchor) {
    if (reviewUrl) return reviewUrl.split("#")[0] + "#" + anchor;
    const draftNote = draft ? `, draft of sources ${draft}` : "";
    return `${titleOf(anchor)}: compendium.html#${anchor}${draftNote}`;
  }

  async function copy(anchor) {
    const link = linkTo(anchor);
    history.replaceState(null, "", "#" + anchor);
    try {
      await navigator.clipboard.writeText(link);
      announcer.textContent = (reviewUrl ? "Link copied: " : "Citation copied: ") + link;
    } catch (error) {
      // Some browsers refuse the clipboard to a file opened from disk: show the link so
      // the reviewer can copy it by hand.
      announcer.textContent = "Copy this link: " + link;
    }
    announcer.dataset.link = link;
  }

  for (const button of document.querySelectorAll("button.copy-link")) {
    button.addEventListener("click", () => copy(button.dataset.anchor));
  }

  // A tool goes at the end of a paragraph's own text, before the comments shown in it.
  function appendTool(paragraph, tool) {
    const note = paragraph.querySelector(":scope > .comment");
    if (note) note.before(" ", tool);
    else paragraph.append(" ", tool);
  }

  // Each numbered paragraph of a record gets a visible pilcrow that links to it.
  for (const record of records) {
    // Paragraphs and list items; a list's own anchor is reached through its items.
    const prefix = CSS.escape(record.id + "-p");
    for (const paragraph of record.querySelectorAll(`p[id^="${prefix}"], li[id^="${prefix}"]`)) {
      const number = paragraph.id.slice(record.id.length + 2).replace("-", ", item ");
      const link = document.createElement("a");
      link.className = "para-link";
      link.href = "#" + paragraph.id;
      link.textContent = "¶";
      link.setAttribute("aria-label", `Copy link to paragraph ${number}`);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        copy(paragraph.id);
      });
      appendTool(paragraph, link);
    }
  }

  // Reviewers' comments: on a record, or on a paragraph (with the words selected in it),
  // kept in this browser for this draft, exported as one small JSON file for the editor's
  // `build.py comments`. Each keeps its anchor and the words quoted, with a few words before
  // and after (a W3C Web Annotation TextQuoteSelector), so the next draft can find them
  // again after the text changed.
  const storeKey = "compendium-comments:" + draft;
  function loadComments() {
    try {
      return JSON.parse(localStorage.getItem(storeKey) || "[]");
    } catch (error) {
      return [];
    }
  }
  let comments = loadComments();
  function saveComments() {
    try {
      localStorage.setItem(storeKey, JSON.stringify(comments));
    } catch (error) {
      announcer.textContent = "This browser keeps no comments for files; export them now.";
    }
    counter.textContent = `${comments.length} comment${comments.length === 1 ? "" : "s"} in this browser`;
  }

  function plainText(element) {
    const copyOf = element.cloneNode(true);
    for (const tool of copyOf.querySelectorAll(".para-link, .comment-add, .comment, .run-in, del")) {
      tool.remove();
    }
    return copyOf.textContent.replace(/\s+/g, " ").trim();
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // The words selected inside ``block``, in their context; the whole block when none are.
  function quoteIn(block) {
    const whole = plainText(block);
    const selection = window.getSelection();
    const picked = selection && selection.rangeCount ? selection.toString().replace(/\s+/g, " ").trim() : "";
    if (!picked || !block.contains(selection.anchorNode)) {
      return { type: "TextQuoteSelector", exact: whole.slice(0, 400), prefix: "", suffix: "" };
    }
    const at = whole.indexOf(picked);
    return { type: "TextQuoteSelector", exact: picked,
      prefix: at > 0 ? whole.slice(Math.max(0, at - 40), at) : "",
      suffix: at >= 0 ? whole.slice(at + picked.length, at + picked.length + 40) : "" };
  }

  // The paragraph or list item of ``record`` the reader has selected words in, if any.
  function selectedBlock(record) {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.anchorNode) return null;
    const node = selection.anchorNode;
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const prefix = CSS.escape(record.id + "-p");
    const block = element ? element.closest(`p[id^="${prefix}"], li[id^="${prefix}"]`) : null;
    return block && record.contains(block) ? block : null;
  }

  function showComment(comment) {
    const target = document.getElementById(comment.anchor);
    if (!target) return;
    const note = document.createElement("span");
    note.className = "comment comment-mine";
    note.dataset.comment = comment.id;
    note.setAttribute("role", "note");
    note.setAttribute("aria-label", "Your comment");
    const who = document.createElement("span");
    who.className = "comment-who";
    who.textContent = (comment.author || "You") + ":";
    const text = document.createElement("span");
    text.className = "comment-text";
    text.textContent = " " + comment.text + " ";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "comment-delete";
    remove.textContent = "Delete";
    remove.addEventListener("click", () => {
      comments = comments.filter((c) => c.id !== comment.id);
      note.remove();
      saveComments();
    });
    note.append(who, text, remove);
    if (target.matches("article.record")) {
      target.querySelector(".record-tools").after(note);
    } else if (target.matches("p, li")) {
      target.append(note);
    } else {
      target.after(note);
    }
  }

  function openEditor(record, block) {
    const quote = block === record ? { type: "TextQuoteSelector", exact: "", prefix: "", suffix: "" } : quoteIn(block);
    const form = document.createElement("form");
    form.className = "comment-editor";
    const label = document.createElement("label");
    const box = document.createElement("textarea");
    box.id = "comment-box-" + newId();
    label.htmlFor = box.id;
    label.textContent = quote.exact ? `Comment on “${quote.exact.slice(0, 80)}”` : "Comment on this record";
    box.rows = 3;
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = "Save comment";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => form.remove());
    form.append(label, box, save, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!box.value.trim()) return;
      const comment = { id: newId(), record: record.id, anchor: block.id, quote,
        text: box.value.trim(), author: reviewer.value.trim(), created: new Date().toISOString(),
        draft };
      comments.push(comment);
      saveComments();
      form.remove();
      showComment(comment);
    });
    if (block === record) record.querySelector(".record-tools").after(form);
    else if (block.matches("li")) block.append(form);
    else block.after(form);
    box.focus();
  }

  function exportComments() {
    const file = { format: "compendium-comments/1", draft, exported: new Date().toISOString(),
      author: reviewer.value.trim(), comments };
    const blob = new Blob([JSON.stringify(file, null, 1) + "\n"], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    const who = reviewer.value.trim().replace(/[^\w-]+/g, "-") || "reviewer";
    link.download = `comments-${who}-${draft.replace(/[^\w]+/g, "-").slice(0, 24)}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  const panel = document.createElement("section");
  const counter = document.createElement("p");
  const reviewer = document.createElement("input");
  if (banner && records.length) {
    panel.className = "comments-panel";
    panel.setAttribute("aria-labelledby", "comments-panel-heading");
    const heading = document.createElement("h2");
    heading.id = "comments-panel-heading";
    heading.textContent = "Comments";
    const help = document.createElement("p");
    help.textContent = "Select words in a paragraph and press its Comment button, or comment on a whole record. Export your comments to send them to the editor.";
    const nameLabel = document.createElement("label");
    reviewer.id = "comment-author";
    reviewer.autocomplete = "name";
    reviewer.value = localStorage.getItem("compendium-reviewer") || "";
    reviewer.addEventListener("change", () => localStorage.setItem("compendium-reviewer", reviewer.value));
    nameLabel.htmlFor = reviewer.id;
    nameLabel.textContent = "Your name";
    counter.className = "comments-count";
    counter.setAttribute("aria-live", "polite");
    const exporter = document.createElement("button");
    exporter.type = "button";
    exporter.className = "comments-export";
    exporter.textContent = "Export comments";
    exporter.addEventListener("click", exportComments);
    panel.append(heading, help, nameLabel, reviewer, counter, exporter);
    document.querySelector(".sidebar").append(panel);
    saveComments();

    for (const record of records) {
      const tools = record.querySelector(".record-tools");
      const add = document.createElement("button");
      add.type = "button";
      add.className = "comment-add";
      add.textContent = "Comment";
      // With words selected in one of its paragraphs, the comment is on them.
      add.addEventListener("mousedown", (event) => event.preventDefault());
      add.addEventListener("click", () => openEditor(record, selectedBlock(record) || record));
      tools.append(add);
      const prefix = CSS.escape(record.id + "-p");
      for (const block of record.querySelectorAll(`p[id^="${prefix}"], li[id^="${prefix}"]`)) {
        const onBlock = document.createElement("button");
        onBlock.type = "button";
        onBlock.className = "comment-add comment-on-paragraph";
        onBlock.textContent = "Comment";
        onBlock.setAttribute("aria-label", "Comment on this paragraph (or on the words selected in it)");
        // Keep the reader's selection: a click on a button would otherwise clear it first.
        onBlock.addEventListener("mousedown", (event) => event.preventDefault());
        onBlock.addEventListener("click", () => openEditor(record, block));
        appendTool(block, onBlock);
      }
    }
    for (const comment of comments) showComment(comment);
  }

  // The contents entry of the chapter being read is marked as current.
  const entries = new Map(Array.from(document.querySelectorAll(".toc a[href^='#']"))
    .map((a) => [a.getAttribute("href").slice(1), a]));
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver((seen) => {
      for (const item of seen) {
        const entry = entries.get(item.target.id);
        if (item.isIntersecting && entry) {
          for (const a of entries.values()) a.removeAttribute("aria-current");
          entry.setAttribute("aria-current", "location");
        }
      }
    }, { rootMargin: "0px 0px -70% 0px" });
    for (const id of entries.keys()) {
      const target = document.getElementById(id);
      if (target) observer.observe(target);
    }
  }
})();
