// The workbench page: act as a sample user in a Slack-like view, move the clock, and watch
// the inspector. Everything goes through the JSON API (/api/*); the server turns actions into
// what Slack would send the app.

import { h, plainOf, renderBlocks, textHtml } from "./blocks.js";
import { mrkdwn, plainText } from "./mrkdwn.js";

const POLL_MS = 700;
const FAST_POLL_MS = 150;
const MAX_LOG_NODES = 600;

const $ = (id) => document.getElementById(id);
const S = {
  meta: null,
  me: null,
  where: null, // a channel id, "dm" or "home"
  logN: 0,
  seen: {}, // message counts already looked at, per conversation
  counts: {},
  keys: { messages: "", home: "", modal: "", upcoming: "" },
  rendered: null, // keys of the message groups on screen, in order
  modal: null, // {id, hash, inputs}
  lastFocus: null,
  generation: 0,
  fastUntil: 0,
  timer: null,
  inFlight: false,
  again: false,
  clockBusy: false,
  now: null,
  followUntil: 0, // after you send, follow the conversation's end until you scroll
  statusTimer: null,
};

// -- helpers -------------------------------------------------------------------------------
async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let doc;
  try {
    doc = await response.json();
  } catch {
    doc = { ok: false, error: `HTTP ${response.status}` };
  }
  if (!response.ok && doc.ok === undefined) doc.ok = false;
  return doc;
}

function user(id) {
  return S.meta.users.find((u) => u.id === id);
}
function channel(id) {
  return S.meta.channels.find((c) => c.id === id);
}
function me() {
  return user(S.me);
}
function nameOf(id) {
  if (id === S.meta.app.bot_user_id) return S.meta.app.name;
  const u = user(id);
  if (u) return u.real_name;
  const c = channel(id);
  return c ? `#${c.name}` : id;
}
function names() {
  const users = Object.fromEntries(S.meta.users.map((u) => [u.id, u.real_name]));
  users[S.meta.app.bot_user_id] = S.meta.app.name;
  return { users, channels: Object.fromEntries(S.meta.channels.map((c) => [c.id, c.name])) };
}
function fmt(iso, tz, options = {}) {
  const when = typeof iso === "string" ? new Date(iso) : iso;
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23", timeZone: tz, ...options,
  }).format(when);
}
function tsDate(ts) {
  return new Date(Number(ts) * 1000);
}
function duration(seconds) {
  const s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (d) return `${d} d ${hh} h`;
  if (hh) return `${hh} h ${mm} min`;
  return `${mm} min`;
}
function city(tz) {
  return (tz || "UTC").split("/").pop().replace(/_/g, " ");
}
let toastTimer = null;
function toast(message) {
  const node = $("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 6000);
}

// -- navigation ----------------------------------------------------------------------------
function saveLocation() {
  history.replaceState(null, "", `#user=${S.me}&where=${S.where}`);
}
function readLocation() {
  const params = new URLSearchParams(location.hash.slice(1));
  const who = params.get("user");
  const where = params.get("where");
  S.me = user(who) ? who : S.meta.users[0].id;
  const valid = where === "dm" || where === "home" || (channel(where) && channel(where).members.includes(S.me));
  S.where = valid ? where : (S.meta.channels.find((c) => c.members.includes(S.me))?.id ?? "dm");
}

function go(where) {
  const changed = S.where !== where;
  S.where = where;
  S.generation += 1;
  S.keys.messages = "";
  S.keys.home = "";
  S.rendered = null;
  saveLocation();
  renderChrome();
  if (where === "home") {
    // Slack sends app_home_opened every time the tab is opened.
    api("/api/act", { type: "home", user: S.me }).then(showActError);
  }
  if (changed) $("conv-panel").focus({ preventScroll: true });
  kick();
}

function switchUser(id) {
  S.me = id;
  S.seen = {};
  S.generation += 1;
  S.keys = { messages: "", home: "", modal: "", upcoming: "" };
  S.rendered = null;
  if (S.where !== "dm" && S.where !== "home" && !channel(S.where).members.includes(id)) S.where = "dm";
  saveLocation();
  closeModalUi();
  renderChrome();
  if (S.where === "home") api("/api/act", { type: "home", user: S.me }).then(showActError);
  kick();
}

// -- sidebar, header, composer label -------------------------------------------------------
function sideButton(where, label, extra) {
  const current = S.where === where || (where === "dm" && S.where === "home");
  const unread = Math.max(0, (S.counts[where === "home" ? "dm" : where] ?? 0) - (S.seen[where === "home" ? "dm" : where] ?? 0));
  const badge = unread && !current
    ? h("span", { class: "badge" }, String(unread), h("span", { class: "visually-hidden", text: " new" }))
    : null;
  return h("li", {},
    h("button", {
      type: "button", class: "side-item", "aria-current": current ? "page" : undefined,
      "data-where": where, onclick: () => go(where),
    }, label, extra ? h("span", { class: "side-extra", text: extra }) : null, badge));
}

function renderSidebar() {
  const channels = $("channel-list");
  channels.replaceChildren(...S.meta.channels
    .filter((c) => c.members.includes(S.me))
    .map((c) => sideButton(c.id, `# ${c.name}`, c.bot_member ? null : "app not here")));
  $("app-list").replaceChildren(sideButton("dm", S.meta.app.name, null));
}

function renderChrome() {
  renderSidebar();
  const tabs = $("app-tabs");
  const inApp = S.where === "dm" || S.where === "home";
  tabs.hidden = !inApp;
  $("tab-home").setAttribute("aria-selected", String(S.where === "home"));
  $("tab-messages").setAttribute("aria-selected", String(S.where === "dm"));
  $("tab-home").tabIndex = S.where === "home" ? 0 : -1;
  $("tab-messages").tabIndex = S.where === "dm" ? 0 : -1;
  const panel = $("conv-panel");
  if (inApp) {
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", S.where === "home" ? "tab-home" : "tab-messages");
  } else {
    panel.removeAttribute("role");
    panel.removeAttribute("aria-labelledby");
  }
  let title;
  let sub;
  if (inApp) {
    title = S.meta.app.name;
    sub = "Your direct messages with the app, and its Home tab.";
  } else {
    const c = channel(S.where);
    title = `# ${c.name}`;
    sub = c.bot_member
      ? c.purpose
      : `${c.purpose}. ${S.meta.app.name} is not in this channel: slash commands still work here (replies are only visible to you); /invite @${S.meta.app.handle} adds it.`;
  }
  $("conv-title").textContent = title;
  $("conv-sub").textContent = sub || "";
  $("messages").hidden = S.where === "home";
  $("home").hidden = S.where !== "home";
  $("composer").hidden = S.where === "home";
  const label = inApp ? `Message ${S.meta.app.name}` : `Message #${channel(S.where).name}`;
  $("composer-label").textContent = label;
  $("composer-input").placeholder = `${label} (try ${S.meta.app.command} help)`;
  const select = $("who-select");
  if (select.value !== S.me) select.value = S.me;
}

// -- messages ------------------------------------------------------------------------------
function restoreFocus(container, render) {
  const active = document.activeElement;
  const key = container.contains(active) ? active.getAttribute("data-focus-key") : null;
  const messageKey = container.contains(active) ? active.closest("[data-ts]")?.getAttribute("data-ts") : null;
  render();
  if (key) {
    const scope = messageKey ? container.querySelector(`[data-ts="${CSS.escape(messageKey)}"]`) : container;
    const again = scope?.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
}

function actionTarget(message) {
  return { kind: message.ephemeral ? "ephemeral" : "message", where: S.where, ts: message.ts };
}

async function act(body) {
  const result = await api("/api/act", { user: S.me, ...body });
  showActError(result);
  kick();
  return result;
}

function showActError(result) {
  if (result && result.ok === false && result.error) toast(result.error);
}

async function confirmDialog(confirm) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = plainOf(confirm.title) || "Are you sure?";
  $("confirm-text").innerHTML = textHtml(confirm.text, names());
  $("confirm-ok").textContent = plainOf(confirm.confirm) || "Yes";
  $("confirm-deny").textContent = plainOf(confirm.deny) || "Cancel";
  $("confirm-ok").className = `btn ${confirm.style === "danger" ? "btn-danger" : "btn-primary"}`;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

function messageNode(message, tz) {
  const sender = message.user;
  const isApp = message.bot;
  const when = tsDate(message.ts);
  const displayName = nameOf(sender);
  const { node: body } = message.blocks?.length
    ? renderBlocks(message.blocks, {
      names: names(), users: S.meta.users, channels: S.meta.channels, confirm: confirmDialog,
      onAction: (a) => act({ type: "click", target: actionTarget(message), action_id: a.action_id, block_id: a.block_id, value: a.value }),
    })
    : { node: h("div", { class: "msg-text", html: mrkdwn(message.text, names()) }) };
  const files = (message.files || []).map((f) => h("div", { class: "file-chip" },
    h("span", { class: "file-icon", "aria-hidden": "true", text: "📄" }),
    h("span", {},
      h("strong", { text: f.title || f.name }),
      h("span", { class: "file-meta", text: ` ${f.name}${f.size ? ` · ${f.size} bytes` : ""}` }))));
  const head = h("div", { class: "msg-head" },
    h("strong", { class: "msg-name", text: displayName }),
    isApp ? h("span", { class: "app-badge", text: "APP" }) : null,
    h("time", { datetime: when.toISOString(), title: fmt(when, tz, { year: "numeric" }) }, fmt(when, tz, { weekday: undefined, day: undefined, month: undefined })),
    message.ephemeral ? h("span", { class: "eph-label" }, "Only visible to you") : null,
    message.edited ? h("span", { class: "edited", text: "(edited)" }) : null,
    message.thread_ts ? h("span", { class: "edited", text: "(in a thread)" }) : null);
  const more = S.meta.shortcuts.filter((s) => s.type === "message").length && !message.ephemeral
    ? messageMenu(message) : null;
  return h("article", {
    class: `msg${message.ephemeral ? " msg-ephemeral" : ""}`,
    "data-ts": message.ts,
    "aria-label": `${displayName}${message.ephemeral ? " (only visible to you)" : ""}, ${fmt(when, tz)}`,
  },
  h("div", { class: `avatar${isApp ? " avatar-app" : ""}`, "aria-hidden": "true", text: displayName.slice(0, 1) }),
  h("div", { class: "msg-main" }, head, message.text || message.blocks?.length ? body : null, files), more);
}

function messageMenu(message) {
  const items = S.meta.shortcuts.filter((s) => s.type === "message").map((s) =>
    h("button", {
      type: "button", class: "menu-item", "data-focus-key": `shortcut/${s.callback_id}`,
      onclick: (event) => {
        event.target.closest("details").open = false;
        act({ type: "shortcut", where: S.where, ts: message.ts, callback_id: s.callback_id });
      },
    }, `⚡ ${s.name}`));
  return h("details", { class: "msg-more" },
    h("summary", { "aria-label": `More actions for this message from ${nameOf(message.user)}`, "data-focus-key": "more" }, "⋯"),
    h("div", { class: "menu" }, items));
}

function renderMessages(messages) {
  const key = JSON.stringify(messages);
  if (key === S.keys.messages) return;
  S.keys.messages = key;
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60
    || Date.now() < S.followUntil;
  const tz = me().tz;
  const dayFormat = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: tz });
  const groups = messages.map((message, i) => {
    const day = dayFormat.format(tsDate(message.ts));
    const first = i === 0 || dayFormat.format(tsDate(messages[i - 1].ts)) !== day;
    return { key: JSON.stringify([first ? day : "", message]), message, day: first ? day : null };
  });
  restoreFocus(box, () => {
    if (!messages.length) {
      box.replaceChildren(emptyNote());
      S.rendered = null;
      return;
    }
    // Only touch what changed, so a screen reader hears new messages, not the whole log.
    const old = S.rendered || [];
    let same = 0;
    if (S.rendered && box.children.length === old.length) {
      while (same < old.length && same < groups.length && old[same] === groups[same].key) same += 1;
      [...box.children].slice(same).forEach((node) => node.remove());
    } else {
      box.replaceChildren();
    }
    box.append(...groups.slice(same).map((g) => h("div", { class: "msg-group" },
      g.day ? h("div", { class: "day", role: "separator" }, h("span", { text: g.day })) : null,
      messageNode(g.message, tz))));
    S.rendered = groups.map((g) => g.key);
  });
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// Like Slack: sending jumps to the end of the conversation, and the reply shows there too,
// however far up you had scrolled. Scrolling yourself ends the following.
function jumpToLatest() {
  const box = $("messages");
  S.followUntil = Date.now() + 15000;
  box.scrollTop = box.scrollHeight;
}
function stopFollowing() {
  S.followUntil = 0;
}

function emptyNote() {
  const cmd = S.meta.app.command;
  const text = S.where === "dm"
    ? `No messages with ${S.meta.app.name} yet. Try \`${cmd} checkin on\`, then *Jump to next send* to receive your check-in here.`
    : `Nothing here yet. Type \`${cmd} help\` below to see what ${S.meta.app.name} can do.`;
  return h("p", { class: "empty", html: mrkdwn(text) });
}

function renderHome(home) {
  const key = JSON.stringify(home);
  if (key === S.keys.home) return;
  S.keys.home = key;
  const box = $("home");
  restoreFocus(box, () => {
    if (!home) {
      box.replaceChildren(h("p", { class: "empty", text: `${S.meta.app.name} hasn't published a Home tab for you yet…` }));
      return;
    }
    const { node } = renderBlocks(home.blocks, {
      names: names(), users: S.meta.users, channels: S.meta.channels, confirm: confirmDialog,
      onAction: (a) => act({ type: "click", target: { kind: "view", view_id: home.id }, action_id: a.action_id, block_id: a.block_id, value: a.value }),
    });
    box.replaceChildren(node);
  });
}

// -- modal ---------------------------------------------------------------------------------
function closeModalUi() {
  const root = $("modal-root");
  if (root.hidden) return;
  root.hidden = true;
  root.replaceChildren();
  document.querySelector(".layout").inert = false;
  document.querySelector(".topbar").inert = false;
  S.modal = null;
  S.keys.modal = "";
  if (S.lastFocus && document.contains(S.lastFocus)) S.lastFocus.focus();
  else $("composer-input").focus();
}

function renderModal(view) {
  if (!view) {
    closeModalUi();
    return;
  }
  const key = `${view.id}/${view.hash}`;
  const serverErrors = JSON.stringify(view.errors || {});
  if (key === S.keys.modal) {
    // Only the app's answer (response_action: errors) changes what is shown; errors found
    // here before sending stay until the next submit.
    if (serverErrors !== S.modal.serverErrors) {
      S.modal.serverErrors = serverErrors;
      applyErrors(view.errors || {});
    }
    return;
  }
  // Keep what the person typed when the app updates the open view.
  const kept = {};
  for (const input of S.modal?.inputs || []) kept[`${input.block_id}/${input.action_id}`] = input.read();
  const root = $("modal-root");
  const opening = root.hidden;
  if (opening) S.lastFocus = document.activeElement;
  S.keys.modal = key;
  const inputs = [];
  const { node } = renderBlocks(view.blocks, {
    names: names(), users: S.meta.users, channels: S.meta.channels, confirm: confirmDialog, inputs,
    onAction: (a) => act({ type: "click", target: { kind: "view", view_id: view.id }, action_id: a.action_id, block_id: a.block_id, value: a.value }),
  });
  for (const input of inputs) {
    const value = kept[`${input.block_id}/${input.action_id}`];
    if (value !== undefined && S.modal?.id === view.id) input.write(value);
  }
  S.modal = { id: view.id, inputs, serverErrors };
  const titleId = "modal-title";
  const status = h("p", { class: "modal-status", role: "alert", id: "modal-status" });
  const form = h("form", { class: "modal-body", novalidate: true, id: "modal-form" }, node);
  form.addEventListener("submit", (event) => { event.preventDefault(); submitModal(view, status); });
  const closeText = plainOf(view.close) || "Cancel";
  const dialog = h("div", { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
    h("header", { class: "modal-head" },
      h("h2", { id: titleId, html: plainText(plainOf(view.title) || "") }),
      view.depth > 1 ? h("span", { class: "modal-depth", text: `${view.depth} of ${view.depth}` }) : null,
      h("button", { type: "button", class: "modal-x", "aria-label": `Close (${closeText})`, onclick: () => closeModal(view) }, "×")),
    form,
    h("footer", { class: "modal-actions" }, status,
      h("button", { type: "button", class: "btn", onclick: () => closeModal(view) }, closeText),
      view.submit ? h("button", { type: "submit", form: "modal-form", class: "btn btn-primary" }, plainOf(view.submit)) : null));
  dialog.addEventListener("keydown", (event) => trapFocus(event, dialog, view));
  root.replaceChildren(dialog);
  root.hidden = false;
  document.querySelector(".layout").inert = true;
  document.querySelector(".topbar").inert = true;
  applyErrors(view.errors || {});
  const first = inputs[0];
  if (first) first.focus();
  else dialog.querySelector("button, select, input, textarea")?.focus();
}

function applyErrors(errors) {
  if (!S.modal) return;
  const key = JSON.stringify(errors);
  if (key === S.modal.errorsKey) return;
  S.modal.errorsKey = key;
  let first = null;
  for (const input of S.modal.inputs) {
    const message = errors[input.block_id] || null;
    input.setError(message);
    if (message && !first) first = input;
  }
  if (first) first.focus();
}

async function submitModal(view, status) {
  const values = {};
  const errors = {};
  for (const input of S.modal.inputs) {
    const value = input.read();
    const empty = value === null || (Array.isArray(value) && value.length === 0);
    if (input.required && empty) errors[input.block_id] = "Please complete this required field.";
    else if (input.check()) errors[input.block_id] = input.check();
    (values[input.block_id] ||= {})[input.action_id] = value;
  }
  if (Object.keys(errors).length) {
    S.modal.errorsKey = "";
    applyErrors(errors);
    return;
  }
  S.modal.errorsKey = "";
  applyErrors({});
  status.textContent = "Sending…";
  const result = await api("/api/act", { type: "submit", user: S.me, view_id: view.id, values });
  status.textContent = result.ok === false ? result.error : "";
  if (result.errors) applyErrors(result.errors);
  kick();
}

async function closeModal(view) {
  const result = await api("/api/act", { type: "close", user: S.me, view_id: view.id });
  showActError(result);
  closeModalUi();
  kick();
}

function trapFocus(event, dialog, view) {
  if (event.key === "Escape") {
    event.preventDefault();
    closeModal(view);
    return;
  }
  if (event.key !== "Tab") return;
  const focusable = [...dialog.querySelectorAll("button, select, input, textarea, [href], [tabindex]:not([tabindex='-1'])")]
    .filter((n) => !n.disabled && n.offsetParent !== null);
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

// -- clock ---------------------------------------------------------------------------------
function renderClock(state) {
  S.now = state.now;
  const tz = me().tz;
  $("clock-now").textContent = `${fmt(state.now, tz)} (${city(tz)})`;
  $("clock-now").title = `${fmt(state.now, "UTC")} UTC`;
  $("clock-offset").textContent = state.offset_seconds > 59 ? `+${duration(state.offset_seconds)} ahead of real time` : "real time";
  const key = JSON.stringify([state.upcoming, S.me]);
  if (key !== S.keys.upcoming) {
    S.keys.upcoming = key;
    const list = $("upcoming-list");
    if (!state.upcoming.length) {
      list.replaceChildren(h("li", { class: "upcoming-empty", html: mrkdwn(`Nothing scheduled. \`${S.meta.app.command} checkin on\` schedules your weekly check-in.`) }));
    } else {
      list.replaceChildren(...state.upcoming.slice(0, 6).map((u) => h("li", {},
        h("span", { class: "up-when" }, fmt(u.due_at, tz)),
        h("span", { class: "up-what", text: `${u.label} → ${nameOf(u.target)}` }),
        u.tz && u.tz !== tz ? h("span", { class: "up-note", text: `${fmt(u.due_at, u.tz, { weekday: "short", day: undefined, month: undefined })} in ${city(u.tz)}` }) : null,
        u.note ? h("span", { class: "up-note", text: u.note }) : null)));
    }
  }
  const next = state.upcoming[0];
  $("jump-next").title = next ? `${next.label} → ${nameOf(next.target)}, ${fmt(next.due_at, tz)}` : "Nothing is scheduled yet";
}

function describeOutcomes(result) {
  const tz = me().tz;
  if (!result.outcomes?.length) return "nothing was sent";
  return result.outcomes.map((o) => {
    const who = nameOf(o.target);
    if (o.status === "sent") return `sent ${o.label} to ${who}`;
    if (o.status === "pending") return `queued ${o.label} for ${who} at ${fmt(o.due_at, tz)}`;
    if (o.status === "skipped") return `skipped ${o.label} for ${who}${o.error ? ` (${o.error})` : ""}`;
    return `${o.status} ${o.label} for ${who}${o.error ? ` (${o.error})` : ""}`;
  }).join("; ");
}

// The clock's report ("Jumped to …") stays until dismissed, replaced, or a minute passes.
function setStatus(text, { html = false } = {}) {
  const node = $("clock-status");
  clearTimeout(S.statusTimer);
  if (!text) {
    node.replaceChildren();
    return;
  }
  const body = h("span", html ? { html: text } : { text });
  const close = h("button", {
    type: "button", class: "status-dismiss", "aria-label": "Dismiss", title: "Dismiss", text: "×",
    onclick: () => setStatus(""),
  });
  node.replaceChildren(body, close);
  S.statusTimer = setTimeout(() => setStatus(""), 60000);
}

async function startOver() {
  const ok = window.confirm(
    "Start over? This deletes every conversation, the database (schedules, check-ins, " +
    "everything the app stored) and moves the clock back to now.");
  if (!ok) return;
  setStatus("Starting over…");
  const result = await api("/api/start-over", { confirm: true });
  if (result.ok === false) {
    setStatus(result.error || "Could not start over.");
    return;
  }
  location.reload();
}

async function moveClock(body) {
  if (S.clockBusy) return;
  S.clockBusy = true;
  const buttons = ["jump-next", "advance-hour", "advance-day"].map($);
  buttons.forEach((b) => { b.disabled = true; });
  setStatus("Moving the clock; waiting for the app's scheduler tick…");
  try {
    const result = await api("/api/clock", body);
    if (result.ok === false) {
      setStatus(mrkdwn(result.error || "Could not move the clock."), { html: true });
    } else {
      const tz = me().tz;
      const head = result.reason
        ? `Jumped to ${fmt(result.reason.due_at, tz)} (${result.reason.label} → ${nameOf(result.reason.target)})`
        : `Now ${fmt(result.now, tz)}`;
      setStatus(`${head}: ${describeOutcomes(result)}.${result.settled ? "" : " (The app is still working on it.)"}`);
    }
  } finally {
    S.clockBusy = false;
    buttons.forEach((b) => { b.disabled = false; });
    kick();
  }
}

// -- inspector -----------------------------------------------------------------------------
function json(value) {
  return JSON.stringify(value, null, 2);
}

function logNode(entry) {
  const arrow = entry.kind === "envelope" ? "Slack → app" : entry.kind === "problem" ? "⚠" : "app → Slack";
  const body = h("div", { class: "log-body" });
  if (entry.request !== undefined) {
    body.append(h("h3", { text: entry.request_label }), h("pre", { text: json(entry.request) }));
  }
  if (entry.response !== undefined) {
    body.append(h("h3", { text: entry.response_label }), h("pre", { text: entry.response === null ? "(no ack)" : json(entry.response) }));
  }
  if (entry.kind === "problem") body.append(h("p", { text: entry.summary }));
  return h("li", { class: `log-entry kind-${entry.kind}${entry.ok ? "" : " not-ok"}`, "data-kind": entry.kind },
    h("details", {},
      h("summary", {},
        h("span", { class: "log-t", text: `+${entry.t.toFixed(2)}s` }),
        h("span", { class: "log-dir", text: arrow }),
        h("span", { class: "log-title", text: entry.title }),
        h("span", { class: "log-sum", text: entry.summary })),
      body));
}

function renderLog(all) {
  const entries = all.filter((e) => e.n >= S.logN);
  if (!entries.length) {
    S.logN = Math.max(S.logN, all.length ? all[all.length - 1].n + 1 : S.logN);
    return;
  }
  const list = $("log");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(...entries.map(logNode));
  while (list.children.length > MAX_LOG_NODES) list.firstElementChild.remove();
  S.logN = entries[entries.length - 1].n + 1;
  if (atBottom) list.scrollTop = list.scrollHeight;
  const problems = list.querySelectorAll(".kind-problem").length;
  const badge = $("problem-count");
  badge.hidden = !problems;
  badge.textContent = problems ? `${problems} problem${problems === 1 ? "" : "s"}` : "";
}

// -- polling -------------------------------------------------------------------------------
function kick() {
  S.fastUntil = Date.now() + 2500;
  schedule(0);
}

function schedule(ms) {
  clearTimeout(S.timer);
  S.timer = setTimeout(poll, ms);
}

async function poll() {
  if (S.inFlight) {
    S.again = true;
    return;
  }
  S.inFlight = true;
  S.again = false;
  let delay = POLL_MS;
  try {
    delay = await pollOnce();
  } finally {
    S.inFlight = false;
  }
  schedule(S.again ? 0 : delay);
}

async function pollOnce() {
  const generation = S.generation;
  const where = S.where;
  let state;
  try {
    state = await api(`/api/state?user=${encodeURIComponent(S.me)}&where=${encodeURIComponent(where)}&log=${S.logN}`);
  } catch {
    document.body.classList.add("offline");
    return 2000;
  }
  document.body.classList.remove("offline");
  if (state.ok === false) return POLL_MS;
  renderLog(state.log || []);
  if (generation === S.generation) {
    S.counts = state.counts || {};
    for (const c of S.meta.channels) c.bot_member = (state.app_in || []).includes(c.id);
    const appIn = JSON.stringify(state.app_in || []);
    if (appIn !== S.keys.appIn) {
      S.keys.appIn = appIn;
      renderChrome();
    }
    const convKey = where === "home" ? "dm" : where;
    if (where !== "home") S.seen[convKey] = S.counts[convKey] ?? 0;
    for (const [k, v] of Object.entries(S.counts)) if (S.seen[k] === undefined) S.seen[k] = v;
    renderSidebar();
    renderClock(state);
    if (where === "home") renderHome(state.home);
    else renderMessages(state.messages || []);
    renderModal(state.modal);
  }
  return Date.now() < S.fastUntil ? FAST_POLL_MS : POLL_MS;
}

// -- composer with completion ----------------------------------------------------------------
const composer = {
  items: [],
  active: -1,
};

function suggestionsFor(text) {
  const cmd = S.meta.app.command;
  if (!text.startsWith("/")) return [];
  if (!text.includes(" ")) {
    const found = cmd.startsWith(text) ? [{ insert: `${cmd} `, label: cmd, summary: `${S.meta.app.name}'s command` }] : [];
    const invite = `/invite @${S.meta.app.handle}`;
    if (channel(S.where) && !channel(S.where).bot_member && "/invite".startsWith(text)) {
      found.push({ insert: invite, label: invite, summary: `Slack's own command: add ${S.meta.app.name} to this channel` });
    }
    return found;
  }
  if (!text.startsWith(`${cmd} `)) return [];
  const rest = text.slice(cmd.length + 1);
  if (rest.includes(" ")) return [];
  const word = rest.toLowerCase();
  const commands = S.meta.commands.filter((c) => c.name.startsWith(word) || c.aliases.some((a) => a.startsWith(word) && word));
  const topics = word ? S.meta.topics.filter((t) => t.name.startsWith(word)) : [];
  return [
    ...commands.map((c) => ({ insert: `${cmd} ${c.name} `, label: `${cmd} ${c.example}`, summary: c.summary })),
    ...topics.map((t) => ({ insert: `${cmd} ${t.name}`, label: `${cmd} ${t.name}`, summary: t.title })),
  ].slice(0, 12);
}

function renderSuggestions() {
  const input = $("composer-input");
  const list = $("suggestions");
  const items = suggestionsFor(input.value);
  composer.items = items;
  if (composer.active >= items.length) composer.active = items.length - 1;
  list.replaceChildren(...items.map((item, i) => h("li", {
    role: "option", id: `suggestion-${i}`, class: "suggestion", "aria-selected": String(i === composer.active),
    onmousedown: (event) => { event.preventDefault(); accept(i); },
  }, h("span", { class: "sug-label", text: item.label }), h("span", { class: "sug-summary", html: mrkdwn(item.summary) }))));
  const open = items.length > 0;
  list.hidden = !open;
  input.setAttribute("aria-expanded", String(open));
  if (open && composer.active >= 0) input.setAttribute("aria-activedescendant", `suggestion-${composer.active}`);
  else input.removeAttribute("aria-activedescendant");
  list.querySelector("[aria-selected='true']")?.scrollIntoView({ block: "nearest" });
}

function accept(i) {
  const item = composer.items[i];
  if (!item) return;
  const input = $("composer-input");
  input.value = item.insert;
  composer.active = -1;
  input.focus();
  renderSuggestions();
}

function closeSuggestions() {
  composer.items = [];
  composer.active = -1;
  $("suggestions").hidden = true;
  $("composer-input").setAttribute("aria-expanded", "false");
  $("composer-input").removeAttribute("aria-activedescendant");
}

function setupComposer() {
  const input = $("composer-input");
  input.addEventListener("input", () => {
    composer.active = -1;
    renderSuggestions();
    $("composer-error").textContent = "";
  });
  input.addEventListener("keydown", (event) => {
    const open = composer.items.length > 0;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      composer.active = (composer.active + 1) % composer.items.length;
      renderSuggestions();
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      composer.active = composer.active <= 0 ? composer.items.length - 1 : composer.active - 1;
      renderSuggestions();
    } else if (event.key === "Tab" && open && !event.shiftKey) {
      event.preventDefault();
      accept(composer.active >= 0 ? composer.active : 0);
    } else if (event.key === "Enter" && open && composer.active >= 0) {
      event.preventDefault();
      accept(composer.active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      closeSuggestions();
    }
  });
  input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    closeSuggestions();
    jumpToLatest();
    const result = await api("/api/act", { type: "send", user: S.me, where: S.where, text });
    if (result.ok === false) {
      $("composer-error").textContent = result.error;
    } else {
      input.value = "";
      $("composer-error").textContent = "";
    }
    kick();
  });
}

// -- start ---------------------------------------------------------------------------------
function setupTabs() {
  $("tab-home").addEventListener("click", () => go("home"));
  $("tab-messages").addEventListener("click", () => go("dm"));
  $("app-tabs").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const next = S.where === "home" ? "dm" : "home";
    go(next);
    $(next === "home" ? "tab-home" : "tab-messages").focus();
  });
}

function setupInspector() {
  const toggle = $("toggle-inspector");
  const inspector = $("inspector");
  const setOpen = (open) => {
    inspector.hidden = !open;
    toggle.setAttribute("aria-pressed", String(open));
    document.body.classList.toggle("no-inspector", !open);
  };
  setOpen(window.innerWidth >= 1100);
  toggle.addEventListener("click", () => setOpen(inspector.hidden));
  $("hide-inspector").addEventListener("click", () => {
    setOpen(false);
    toggle.focus();
  });
  for (const box of document.querySelectorAll(".filters input")) {
    box.addEventListener("change", () => $("log").classList.toggle(`hide-${box.dataset.kind}`, !box.checked));
  }
}

async function main() {
  S.meta = await api("/api/meta");
  $("team-name").textContent = `${S.meta.team.name} · offline (built-in Slack emulator)`;
  const select = $("who-select");
  select.replaceChildren(...S.meta.users.map((u) => h("option", { value: u.id, text: `${u.real_name} (${city(u.tz)})` })));
  select.addEventListener("change", () => switchUser(select.value));
  readLocation();
  saveLocation();
  setupComposer();
  setupTabs();
  setupInspector();
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault(); // keep #user=…&where=… in the address bar
    if (S.where === "home") $("conv-panel").focus();
    else $("composer-input").focus();
  });
  $("jump-next").addEventListener("click", () => moveClock({ action: "next" }));
  $("advance-hour").addEventListener("click", () => moveClock({ action: "advance", seconds: 3600 }));
  $("advance-day").addEventListener("click", () => moveClock({ action: "advance", seconds: 86400 }));
  $("start-over").addEventListener("click", startOver);
  for (const kind of ["wheel", "touchmove"]) $("messages").addEventListener(kind, stopFollowing, { passive: true });
  $("messages").addEventListener("keydown", (event) => {
    if (["PageUp", "ArrowUp", "Home"].includes(event.key)) stopFollowing();
  });
  renderChrome();
  if (S.where === "home") api("/api/act", { type: "home", user: S.me }).then(showActError);
  document.body.dataset.ready = "true";
  poll();
}

main();
