// What moves on a page between the server's renders, in the browser: ages, the "as of" time, and the highlight of a
// changed count.
//
// An age is written as <span class="age" data-since="unix ms">text</span>, its start on the database's clock, inside
// an element (a table, or the age itself) with data-now="unix ms", the database's time when that element was drawn.
// From the moment data-now is written this adds the time elapsed in this browser (never its wall clock, so a skewed
// client clock changes nothing): the age is that "now" minus its start, written as text once a second. The ages' own
// markup thus never changes with the clock, and the server draws a table again only when its rows change, not once a
// second for its clock, nor for every other change. A moving time is written as <span data-clock="unix ms">HH:mm:ss</span>
// and moves on the same way from when it was written. The texts are formatted as Formatting.Age and Formatting.Clock
// format them.
//
// A count that changed is written with the class "changed" (RowMarkup.Count); this takes the class off after
// 1.5 s. The highlight goes out in one step: a fade would be a CSS animation, which makes the browser draw every frame
// while it runs, in every open tab, for every changed count.
(() => {
    "use strict";

    const pad = n => (n < 10 ? "0" : "") + n;

    function format(ms) {
        const s = Math.max(0, Math.floor(ms / 1000));
        if (s < 60) return s + "s";
        const m = Math.floor(s / 60);
        if (m < 60) return m + "m " + pad(s % 60) + "s";
        const h = Math.floor(m / 60);
        if (h < 24) return h + "h " + pad(m % 60) + "m";
        return Math.floor(h / 24) + "d " + pad(h % 24) + "h";
    }

    // "12:04:31": hours, minutes and seconds of a Unix time in milliseconds, in UTC.
    const clock = ms => new Date(Math.floor(ms / 1000) * 1000).toISOString().substring(11, 19);

    const ages = "span.age[data-since]";
    const clocks = "span[data-clock]";
    const highlighted = ".count.changed";
    const highlightFor = 1500;
    const goOut = el => setTimeout(() => el.classList.remove("changed"), highlightFor);

    // When each data-now and data-clock value was written: noted as Blazor writes it (a mutation), so the time until
    // the next tick counts.
    const bases = new WeakMap();
    const note = (el, name, at) => bases.set(el, { name, written: el.getAttribute(name), at });

    // The time an element's value stands for now: its written value plus the time elapsed here since it was written.
    function moved(el, name, now) {
        let base = bases.get(el);
        const written = el.getAttribute(name);
        if (!base || base.name !== name || base.written !== written) {
            note(el, name, now);
            base = bases.get(el);
        }

        return Number(written) + (now - base.at);
    }

    // The element's own text node is Blazor's: change its value, never replace the node.
    function write(el, text) {
        const node = el.firstChild;
        if (node && node.nodeType === Node.TEXT_NODE && node.nodeValue !== text) {
            node.nodeValue = text;
        }
    }

    function moveAge(el, now) {
        const drawn = el.closest("[data-now]");
        if (drawn) write(el, format(moved(drawn, "data-now", now) - Number(el.getAttribute("data-since"))));
    }

    function tick() {
        // A tab in the background moves nothing; it is brought up to date the moment it shows again.
        if (document.hidden) return;
        const now = performance.now();
        for (const el of document.querySelectorAll(ages)) moveAge(el, now);
        for (const el of document.querySelectorAll(clocks)) write(el, clock(moved(el, "data-clock", now)));
    }

    // New ages are written at once: a row's markup is shared by every viewer and drawn once, so its text is the age
    // when it was first drawn, not now.
    new MutationObserver(records => {
        const now = performance.now();
        for (const record of records) {
            if (record.type === "attributes") {
                note(record.target, record.attributeName, now);
                continue;
            }

            for (const node of record.addedNodes) {
                if (node.nodeType !== Node.ELEMENT_NODE) continue;
                for (const el of [node, ...node.querySelectorAll("[data-now], " + clocks)]) {
                    if (el.hasAttribute("data-now")) note(el, "data-now", now);
                    if (el.matches(clocks)) note(el, "data-clock", now);
                }

                if (!document.hidden) {
                    if (node.matches(ages)) moveAge(node, now);
                    for (const el of node.querySelectorAll(ages)) moveAge(el, now);
                }

                if (node.matches(highlighted)) goOut(node);
                for (const el of node.querySelectorAll(highlighted)) goOut(el);
            }
        }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-now", "data-clock"] });

    window.dashboardAges = { format, clock, tick };
    setInterval(tick, 1000);
    document.addEventListener("visibilitychange", () => document.hidden || tick());
})();
