// /track/: while any tracked ID is still being fetched, ask the server every two seconds
// how each one stands and write it into its row. Works without it: a reload shows the same.
"use strict";

(function followTrackedList() {
  const table = document.querySelector("table.tracked[data-status-url][data-fetching]");
  if (!table) return;
  const started = Date.now();
  const poll = async () => {
    let fetching = true;
    try {
      const response = await fetch(table.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      for (const [greenpinId, state] of Object.entries(answer.allocations)) {
        const row = table.querySelector(`tr[data-greenpin-id="${CSS.escape(greenpinId)}"]`);
        const cell = row?.querySelector(".track-state");
        if (!cell) continue;
        cell.className = `track-state track-${state.state}`;
        const text = document.createElement("span");
        text.textContent = state.text;
        if (state.state === "fetching") text.className = "refreshing";
        cell.replaceChildren(text);
      }
      fetching = answer.fetching;
    } catch (error) {
      // A network blip: try again on the next tick.
    }
    if (fetching && Date.now() - started < 120000) setTimeout(poll, 2000);
  };
  setTimeout(poll, 1000);
})();
