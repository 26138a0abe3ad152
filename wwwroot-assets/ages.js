// Ages move in the browser. The server writes each age as <span class="age" data-age="ms">text</span>, the age in
// milliseconds on the database's clock when the page was drawn; from then on this adds the time elapsed in this
// browser (never its wall clock, so a skewed client clock changes nothing) and rewrites the text once a second. An
// open tab thus costs the server a render only when what it shows changes, not once a second for its ages.
// A new render with a new data-age starts the count again. The text is formatted as Formatting.Age formats it.
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

    // When each age was written: noted as Blazor writes it (a mutation), so the time until the next tick counts.
    const bases = new WeakMap();
    const note = (el, now) => bases.set(el, { written: el.getAttribute("data-age"), at: now });

    function tick() {
        const now = performance.now();
        for (const el of document.querySelectorAll("span.age[data-age]")) {
            const written = el.getAttribute("data-age");
            let base = bases.get(el);
            if (!base || base.written !== written) {
                note(el, now);
                base = bases.get(el);
            }

            // The element's own text node is Blazor's; change its value, never replace the node.
            const node = el.firstChild;
            const text = format(Number(written) + (now - base.at));
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
                if (node.matches("span.age[data-age]")) note(node, now);
                for (const el of node.querySelectorAll("span.age[data-age]")) note(el, now);
            }
        }
    }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-age"] });

    window.dashboardAges = { format, tick };
    setInterval(tick, 1000);
    document.addEventListener("visibilitychange", () => document.hidden || tick());
})();
