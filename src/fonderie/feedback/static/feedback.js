// The annotation page's script: keys, requests, and what the page shows after each decision.
// Rules: every text from the store is written with textContent (never innerHTML); every POST carries a
// request_id made here and is retried with the same one, so the server stores it once whatever the network does.
"use strict";

const NAME_COOKIE = "fonderie_annotator";
const page = document.getElementById("page");
const statusLine = document.getElementById("status");
const promptId = page && page.dataset.promptId ? Number(page.dataset.promptId) : null;
const cards = Array.from(document.querySelectorAll(".candidate"));
const shownIds = cards.map((c) => Number(c.dataset.id)); // the order this annotator sees, recorded with choices
let focused = 0;
let shownAt = performance.now(); // seconds_spent: time since the page opened or since the last decision

function say(text, isError) {
  if (!statusLine) return;
  statusLine.textContent = text;
  statusLine.classList.toggle("error", Boolean(isError));
}

function newRequestId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // crypto.randomUUID needs a secure context; a LAN address over http is not one
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function post(url, body) {
  body.request_id = newRequestId();
  let lastError = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
      });
    } catch (e) { // network: retry with the same request_id
      lastError = e;
      await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
      continue;
    }
    const data = await response.json().catch(() => ({error: response.statusText}));
    if (response.ok) return data;
    if (response.status < 500) throw new Error(data.error || response.statusText);
    lastError = new Error(data.error || response.statusText);
    await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
  }
  throw lastError;
}

// ---- name

const nameForm = document.getElementById("name-form");
if (nameForm) {
  nameForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = document.getElementById("name").value.trim();
    if (!name) return;
    document.cookie = `${NAME_COOKIE}=${encodeURIComponent(name)}; path=/; max-age=31536000; samesite=strict`;
    location.href = "/";
  });
}
const rename = document.getElementById("rename");
if (rename) {
  rename.addEventListener("click", () => {
    document.cookie = `${NAME_COOKIE}=; path=/; max-age=0; samesite=strict`;
  });
}

// ---- what the page shows

function showProgress(p) {
  const text = document.getElementById("progress");
  if (text) text.textContent = `${p.done} of ${p.total} questions done in round ${p.round}`;
  const bar = document.getElementById("progress-bar");
  if (bar) { bar.max = p.total || 1; bar.value = p.done; }
}

function renderDiff(container, pieces) {
  container.replaceChildren();
  for (const [op, text] of pieces) {
    const el = document.createElement(op === "=" ? "span" : op === "-" ? "del" : "ins");
    el.textContent = text;
    container.appendChild(el);
  }
}

function showState(state) {
  for (const card of cards) {
    const id = card.dataset.id;
    const thumb = state.thumbs[id];
    const mark = card.querySelector(".mark.thumb");
    mark.textContent = thumb === true ? "✓ right" : thumb === false ? "✗ wrong" : "";
    card.classList.toggle("yes", thumb === true);
    card.classList.toggle("no", thumb === false);
    const best = String(state.best) === id;
    card.classList.toggle("chosen", best);
    card.querySelector(".mark.best").textContent = best ? "★ best" : "";
    const correction = state.corrections[id];
    card.querySelector(".mark.corrected").textContent = correction ? "✎ corrected" : "";
    const diff = card.querySelector(".diff");
    if (correction) renderDiff(diff, correction.diff);
    diff.hidden = !correction || card.classList.contains("editing");
    card.querySelector(".answer").hidden = Boolean(correction) || card.classList.contains("editing");
    card.dataset.corrected = correction ? correction.text : "";
  }
  const choice = document.getElementById("choice");
  if (choice) {
    choice.textContent = state.best === "none" ? "Your choice: none is good" : state.best === "tie" ? "Your choice: a tie" : "";
  }
}

function focusCard(i) {
  if (!cards.length) return;
  focused = (i + cards.length) % cards.length;
  cards.forEach((c, j) => c.classList.toggle("focused", j === focused));
  cards[focused].focus();
}
cards.forEach((card, i) => card.addEventListener("focus", () => {
  focused = i;
  cards.forEach((c, j) => c.classList.toggle("focused", j === focused));
}));

// ---- decisions

async function send(kind, candidateIds, payload, label) {
  const now = performance.now();
  const body = {prompt_id: promptId, kind, candidate_ids: candidateIds, payload,
                seconds_spent: Math.round((now - shownAt) / 10) / 100};
  try {
    const reply = await post("/api/events", body);
    shownAt = now;
    if (reply.undone && reply.undone.prompt_id !== promptId) {
      location.href = `/q/${reply.undone.prompt_id}`;
      return reply;
    }
    showState(reply.state);
    showProgress(reply.progress);
    say(reply.undone ? `undone: your ${reply.undone.kind}` : `saved: ${label}`);
    return reply;
  } catch (e) {
    say(`not saved: ${e.message}`, true);
    return null;
  }
}

function go(where) {
  const target = page.dataset[where];
  if (target) location.href = `/q/${target}`;
  else if (where === "next") location.href = "/";
  else say("this is the first question");
}

function thumbs(label) {
  const card = cards[focused];
  send("thumbs", [Number(card.dataset.id)], {label}, `answer ${focused + 1} is ${label ? "right" : "wrong"}`);
}

function best(value) {
  if (typeof value === "number" && !cards[value - 1]) return;
  const chosen = typeof value === "number" ? Number(cards[value - 1].dataset.id) : value;
  const label = typeof value === "number" ? `answer ${value} is the best` : value === "none" ? "none is good" : "a tie";
  send("choice", shownIds, {best: chosen}, label);
}

function edit(card) {
  card = card || cards[focused];
  const editor = card.querySelector(".editor");
  card.classList.add("editing");
  editor.value = card.dataset.corrected || card.querySelector(".answer").textContent;
  editor.hidden = false;
  card.querySelector(".answer").hidden = true;
  card.querySelector(".diff").hidden = true;
  card.querySelector("[data-action=save]").hidden = false;
  editor.style.height = `${Math.max(editor.scrollHeight, 120)}px`;
  editor.focus();
}

function closeEditor(card) {
  card.classList.remove("editing");
  card.querySelector(".editor").hidden = true;
  card.querySelector("[data-action=save]").hidden = true;
  card.querySelector(".answer").hidden = Boolean(card.dataset.corrected);
  card.querySelector(".diff").hidden = !card.dataset.corrected;
  card.focus();
}

async function save(card) {
  const text = card.querySelector(".editor").value;
  const reply = await send("correction", [Number(card.dataset.id)], {text}, `correction of answer ${Number(card.dataset.index)}`);
  if (reply) closeEditor(card);
}

async function skip() {
  if (await send("skip", shownIds, {}, "skipped")) go("next");
}

function undo() {
  send("undo", [], {}, "undo");
}

async function ask(textarea) {
  const text = textarea.value.trim();
  if (!text) return;
  try {
    const reply = await post("/api/questions", {text});
    location.href = reply.url;
  } catch (e) {
    say(`question not saved: ${e.message}`, true);
  }
}

// ---- clicks and keys

document.addEventListener("click", (e) => {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  const card = button.closest(".candidate");
  if (card) focusCard(cards.indexOf(card));
  const action = button.dataset.action;
  if (action === "yes" || action === "no") thumbs(action === "yes");
  else if (action === "best") best(focused + 1);
  else if (action === "none" || action === "tie") best(action);
  else if (action === "edit") edit(card);
  else if (action === "save") save(card);
  else if (action === "skip") skip();
  else if (action === "undo") undo();
  else if (action === "prev" || action === "next") go(action);
});

const askForm = document.getElementById("ask-form");
if (askForm) {
  askForm.addEventListener("submit", (e) => { e.preventDefault(); ask(document.getElementById("ask-text")); });
}

document.addEventListener("keydown", (e) => {
  const target = e.target;
  if (target.tagName === "TEXTAREA" || target.tagName === "INPUT") {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (target.id === "ask-text") ask(target);
      else if (target.classList.contains("editor")) save(target.closest(".candidate"));
    } else if (e.key === "Escape") {
      if (target.classList.contains("editor")) closeEditor(target.closest(".candidate"));
      else target.blur();
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey || !page || promptId === null) return;
  const key = e.key;
  let handled = true;
  if (key === "j") go("next");
  else if (key === "k") go("prev");
  else if (!cards.length) handled = false;
  else if (key === "y" || key === "n") thumbs(key === "y");
  else if (/^[1-9]$/.test(key)) best(Number(key));
  else if (key === "0") best("none");
  else if (key === "t") best("tie");
  else if (key === "e") edit();
  else if (key === "s") skip();
  else if (key === "u") undo();
  else if (key === "ArrowRight" || key === "l") focusCard(focused + 1);
  else if (key === "ArrowLeft" || key === "h") focusCard(focused - 1);
  else handled = false;
  if (handled) e.preventDefault();
});

// ---- on load: the decisions already made, or wait for the answers being generated

async function refresh() {
  const response = await fetch(`/api/questions/${promptId}`);
  if (!response.ok) return null;
  return response.json();
}

if (promptId !== null && cards.length) {
  refresh().then((data) => { if (data) { showState(data.state); showProgress(data.progress); } });
  focusCard(0);
} else if (promptId !== null) {
  const poll = setInterval(async () => {
    const data = await refresh().catch(() => null);
    if (!data) return;
    if (data.candidates > 0) { clearInterval(poll); location.reload(); }
    else if (data.generation.error && !data.generation.running) say(`generation failed: ${data.generation.error}`, true);
  }, 1000);
}
