// GreenPin Admin: small enhancements on server-rendered pages. Everything works without it.
"use strict";

// An allocation page showing stale data polls until the background refresh has landed, then
// swaps in the fresh page content (no reload, scroll position kept).
function watchRefresh() {
  const status = document.querySelector("[data-freshness-url][data-refreshing]");
  if (!status) return;
  const started = Date.now();
  const poll = async () => {
    try {
      const response = await fetch(status.dataset.freshnessUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const freshness = await response.json();
      if ((freshness.last_sync_attempt_at || "") !== status.dataset.attempted) {
        await swapArticle();
        return;
      }
    } catch (error) {
      // A network blip: try again on the next tick.
    }
    if (Date.now() - started < 30000) {
      setTimeout(poll, 1000);
    } else {
      const spinner = status.querySelector(".refreshing");
      if (spinner) spinner.textContent = "Exotel has not answered yet; reload later to see fresh data.";
      spinner?.classList.remove("refreshing");
    }
  };
  setTimeout(poll, 500);
}

async function swapArticle() {
  const url = new URL(window.location.href);
  url.searchParams.delete("refreshing");
  const response = await fetch(url, { credentials: "same-origin" });
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.querySelector("article");
  const current = document.querySelector("article");
  if (fresh && current) current.replaceWith(fresh);
  // The refresh is over: a reload shows the page as it is now, not "Refreshing…" again.
  window.history.replaceState(null, "", url);
  startRevealTimers();
}

// A revealed PIN or numbers say how long they stay: "visible for 4:59", counting down; at
// zero the page reloads and shows them masked again.
function startRevealTimers() {
  const timers = document.querySelectorAll("[data-reveal-seconds]:not([data-ticking])");
  if (!timers.length) return;
  const ends = Date.now() + 1000 * Math.min(...[...timers].map((t) => Number(t.dataset.revealSeconds)));
  timers.forEach((timer) => {
    timer.dataset.ticking = "";
    const until = Date.now() + 1000 * Number(timer.dataset.revealSeconds);
    const left = timer.querySelector(".reveal-left");
    const tick = () => {
      const seconds = Math.max(0, Math.round((until - Date.now()) / 1000));
      left.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      if (seconds > 0) setTimeout(tick, 1000);
    };
    tick();
  });
  setTimeout(() => window.location.reload(), Math.max(0, ends - Date.now()) + 500);
}

document.addEventListener("DOMContentLoaded", watchRefresh);
document.addEventListener("DOMContentLoaded", startRevealTimers);

// "/" jumps to the search box from anywhere but a text field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
  const search = document.getElementById("q");
  if (search) {
    event.preventDefault();
    search.focus();
    search.select();
  }
});

// Copy buttons: IDs and numbers to the clipboard in one click, said out loud for screen readers.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  button.dataset.label ??= button.textContent;
  // The accessible name follows the visible word ("Copied customer number"), never "Copy…"
  // beside a button that says "Copied".
  button.dataset.name ??= button.getAttribute("aria-label") || "";
  const say = (word) => {
    button.textContent = word;
    if (button.dataset.name) {
      button.setAttribute("aria-label", button.dataset.name.replace(/^Copy\b/, word));
    }
  };
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    say("Copied");
  } catch (error) {
    say("Copy failed");
  }
  button.setAttribute("aria-live", "polite");
  setTimeout(() => say(button.dataset.label), 1500);
});
