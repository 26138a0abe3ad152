// What moves on a page between the server's renders, in the browser: ages, the "as of" time, and the highlight of a
// changed count.
//
// The server writes each age as <span class="age" data-age="ms">text</span>, the age in milliseconds on the
// database's clock when the page was drawn, and a moving time as <span data-clock="unix ms">HH:mm:ss</span>; from then
// on this adds the time elapsed in this browser (never its wall clock, so a skewed client clock changes nothing) and
// rewrites the text once a second. An open tab thus costs the server a render only when what it shows changes, not
// once a second for its clock. A new render with a new value starts the count again. The texts are formatted as
// Formatting.Age and Formatting.Clock format them.
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

    const selector = "span.age[data-age], span[data-clock]";
    const highlighted = ".count.changed";
    const highlightFor = 1500;
    const goOut = el => setTimeout(() => el.classList.remove("changed"), highlightFor);
    const valueOf = el => el.getAttribute(el.hasAttribute("data-age") ? "data-age" : "data-clock");

    // When each value was written: noted as Blazor writes it (a mutation), so the time until the next tick counts.
    const bases = new WeakMap();
    const note = (el, now) => bases.set(el, { written: valueOf(el), at: now });

    function tick() {
        // A tab in the background moves nothing; it is brought up to date the moment it shows again.
        if (document.hidden) return;
        const now = performance.now();
        for (const el of document.querySelectorAll(selector)) {
            const written = valueOf(el);
            let base = bases.get(el);
            if (!base || base.written !== written) {
                note(el, now);
                base = bases.get(el);
            }

            // The element's own text node is Blazor's; change its value, never replace the node.
            const node = el.firstChild;
            const value = Number(written) + (now - base.at);
            const text = el.hasAttribute("data-age") ? format(value) : clock(value);
            if (node && node.nodeType === Node.TEXT_NODE && node.nodeValue !== text) {
                node.nodeValue = text;
            }
        }
    }

    new MutationObserver(records => {
        const now = performance.now();
        for (const record of records) {
            if (record.type === "attributes") {
                note(record.target, now);
                continue;
            }

            for (const node of record.addedNodes) {
                if (node.nodeType !== Node.ELEMENT_NODE) continue;
                if (node.matches(selector)) note(node, now);
                for (const el of node.querySelectorAll(selector)) note(el, now);
                if (node.matches(highlighted)) goOut(node);
                for (const el of node.querySelectorAll(highlighted)) goOut(el);
            }
        }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-age", "data-clock"] });

    window.dashboardAges = { format, clock, tick };
    setInterval(tick, 1000);
    document.addEventListener("visibilitychange", () => document.hidden || tick());
})();
