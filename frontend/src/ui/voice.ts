// Voice, loaded after the attachments chunk: a microphone button that dictates into the composer (the
// recording goes to the provider's transcription API through the user's key; where the server has no
// speech model, the browser's own SpeechRecognition listens instead), and read-aloud of an answer (the
// provider's speech API, else the browser's speechSynthesis).
import type { Composer } from "./composer";
import type { Controller } from "./controller";

const MIC = "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3";

interface Recognition {
  lang: string;
  interimResults: boolean;
  onresult: ((event: { results: ArrayLike<ArrayLike<{ transcript: string }>> }) => void) | null;
  onend: (() => void) | null;
  onerror: ((event: { error: string }) => void) | null;
  start(): void;
  stop(): void;
}
type RecognitionClass = new () => Recognition;

function browserRecognition(): RecognitionClass | undefined {
  const w = window as unknown as { SpeechRecognition?: RecognitionClass; webkitSpeechRecognition?: RecognitionClass };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition;
}

function insert(composer: Composer, text: string): void {
  const before = composer.input.value.trimEnd();
  composer.setText(before ? `${before} ${text.trim()}` : text.trim());
  composer.input.focus();
}

async function errorText(response: Response): Promise<string> {
  const data = (await response.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
  return data?.error?.message ?? `the server answered ${response.status}`;
}

export function mountVoice(composer: Composer, controller: Controller, svgButton: (d: string, label: string, onClick: () => void, cls: string) => HTMLButtonElement): void {
  const canRecord = Boolean(navigator.mediaDevices?.getUserMedia) && typeof MediaRecorder !== "undefined";
  const Recognizer = browserRecognition();
  if (!canRecord && !Recognizer) return; // nothing to dictate with: no button
  let serverless = !canRecord; // the server has no transcription model: the browser listens
  let stop: (() => void) | null = null;
  const mic = svgButton(MIC, "dictate", () => (stop ? stop() : void start()), "mic");
  mic.setAttribute("aria-pressed", "false");
  composer.tools.prepend(mic);

  const pressed = (on: boolean): void => {
    mic.setAttribute("aria-pressed", String(on));
    mic.setAttribute("aria-label", on ? "stop dictation" : "dictate");
    if (!on) stop = null;
  };

  const listen = (): void => {
    if (!Recognizer) return;
    const recognition = new Recognizer();
    recognition.lang = navigator.language;
    recognition.interimResults = false;
    recognition.onresult = (event) => insert(composer, Array.from(event.results, (r) => r[0]?.transcript ?? "").join(" "));
    recognition.onerror = (event) => composer.showNotice(`dictation: ${event.error}`);
    recognition.onend = () => pressed(false);
    recognition.start();
    stop = () => recognition.stop();
    pressed(true);
  };

  const start = async (): Promise<void> => {
    if (serverless) return listen();
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      composer.showNotice("the microphone is not available (allow it in the browser's site settings)");
      return;
    }
    const recorder = new MediaRecorder(stream);
    const chunks: Blob[] = [];
    recorder.ondataavailable = (event) => {
      if (event.data.size) chunks.push(event.data);
      mic.dataset.chunks = String(chunks.length);
    };
    recorder.onstop = () => {
      stream.getTracks().forEach((track) => track.stop());
      void transcribe(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
    };
    recorder.start(250);
    stop = () => recorder.stop();
    pressed(true);
  };

  const transcribe = async (audio: Blob): Promise<void> => {
    pressed(false);
    mic.disabled = true;
    const form = new FormData();
    form.append("file", audio, audio.type.includes("ogg") ? "speech.ogg" : "speech.webm");
    try {
      const response = await fetch("/api/audio/transcriptions", { method: "POST", body: form, headers: controller.api.headers(), credentials: "same-origin" });
      if (response.ok) insert(composer, ((await response.json()) as { text: string }).text);
      else if (Recognizer && (response.status === 400 || response.status === 404)) {
        serverless = true; // no speech model on the server: the browser listens from now on
        composer.showNotice(`${await errorText(response)} — using the browser's speech recognition; tap the microphone again`, "info");
      } else composer.showNotice(`dictation: ${await errorText(response)}`);
    } finally {
      mic.disabled = false;
    }
  };
}

/** Reads an answer aloud; pressing again stops. State on the button: playing, done or failed. */
export async function readAloud(text: string, button: HTMLButtonElement, headers: Record<string, string>): Promise<void> {
  const playing = button.querySelector("audio");
  if (playing && !playing.paused) {
    playing.pause();
    button.dataset.state = "done";
    return;
  }
  if (typeof speechSynthesis !== "undefined" && speechSynthesis.speaking) {
    speechSynthesis.cancel();
    button.dataset.state = "done";
    return;
  }
  button.dataset.state = "loading";
  const response = await fetch("/api/audio/speech", {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
    credentials: "same-origin",
  }).catch(() => null);
  if (!response?.ok) {
    if (typeof speechSynthesis === "undefined") {
      button.dataset.state = "failed";
      return;
    }
    const utterance = new SpeechSynthesisUtterance(text); // the browser's own voice, free and offline
    utterance.onend = () => (button.dataset.state = "done");
    speechSynthesis.speak(utterance);
    button.dataset.state = "playing";
    return;
  }
  const audio = playing ?? document.createElement("audio");
  audio.src = URL.createObjectURL(await response.blob());
  audio.onended = () => (button.dataset.state = "done");
  audio.onplaying = () => (button.dataset.state = "playing");
  audio.onerror = () => (button.dataset.state = "failed");
  button.append(audio);
  await audio.play().catch(() => (button.dataset.state = "failed"));
}
