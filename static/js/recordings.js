// Recording players (templates/console/includes/recording_player.html): one plays at a time,
// and one that fails to load says why, in words, where it is. Media events do not bubble, so
// both listeners capture.
"use strict";

document.addEventListener(
  "play",
  (event) => {
    if (!(event.target instanceof HTMLMediaElement)) return;
    for (const other of document.querySelectorAll("audio, video")) {
      if (other !== event.target && !other.paused) other.pause();
    }
  },
  true,
);

document.addEventListener(
  "error",
  async (event) => {
    const audio = event.target;
    if (!(audio instanceof HTMLMediaElement) || !audio.dataset.recordingStatusUrl) return;
    const message = audio.closest("[data-recording]")?.querySelector("[data-recording-message]");
    if (!message) return;
    message.hidden = false;
    message.textContent = "The recording could not be loaded; asking the console why…";
    try {
      // The stream has noted the failure on the call before answering, so this says which.
      const response = await fetch(audio.dataset.recordingStatusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const state = await response.json();
      message.textContent = state.message;
    } catch (error) {
      message.textContent = "The recording could not be loaded, and the console did not say why. Try again later.";
    }
  },
  true,
);
