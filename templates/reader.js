// The reviewers' tools in the HTML edition: filter and search, copy links, the contents
// entry of the chapter in view. Plain script, inline in the page, so it works offline from
// an e-mail attachment; without it the page is still whole, only the tools are missing.
"use strict";
(function () {
  const records = Array.from(document.querySelectorAll("article.record"));
  const form = document.querySelector("form.filter");
  const status = document.getElementById("filter-status");

  // Case and accents folded, so "cote d'ivoire" finds "Côte d'Ivoire".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  const texts = new Map(records.map((r) => [r, fold(r.textContent)]));

  function listed(record, name) {
    const value = record.dataset[name] || "";
    return value ? value.split("|") : [];
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
    for (const aside of document.querySelectorAll(".see-also, .chapter-intro, .introduction")) {
      aside.hidden = filtering;
    }
    status.textContent = `${shown} of ${records.length} records shown`;
  }

  if (form) {
    form.hidden = false;
    form.addEventListener("input", applyFilter);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("reset", () => setTimeout(applyFilter, 0));
    applyFilter();
  }

  // Copy links: the page's address with the record's or paragraph's anchor.
  const announcer = document.createElement("p");
  announcer.className = "copy-status";
  announcer.setAttribute("role", "status");
  document.body.appendChild(announcer);

  function linkTo(anchor) {
    return location.href.split("#")[0] + "#" + anchor;
  }

  async function copy(anchor) {
    const link = linkTo(anchor);
    history.replaceState(null, "", "#" + anchor);
    try {
      await navigator.clipboard.writeText(link);
      announcer.textContent = "Link copied: " + link;
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
      paragraph.append(" ", link);
    }
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
