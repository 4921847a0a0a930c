// Slack mrkdwn -> safe HTML.
//
// Slack text arrives escaped (& < > as &amp; &lt; &gt;); a raw "<" only ever starts a
// control sequence (<@U123>, <#C123|team>, <!here>, <https://x|label>). Everything the
// message says is HTML-escaped here before any markup is added, so a message can never
// inject HTML: code, control sequences and formatting are cut out first, rendered on their
// own, and put back as placeholders that plain text cannot contain.

const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const SLACK_ENTITIES = { amp: "&", lt: "<", gt: ">" };
const PLACEHOLDER = /\u0000(\d+)\u0000/g;

export const EMOJI = {
  airplane: "✈️", airplane_departure: "🛫", alarm_clock: "⏰", baby: "👶",
  beach_with_umbrella: "🏖️", bell: "🔔", bulb: "💡", calendar: "📅", chart_with_upwards_trend: "📈",
  check: "✔️", heavy_check_mark: "✔️", clipboard: "📋", clock3: "🕒", coffee: "☕", construction: "🚧",
  desert_island: "🏝️", eyes: "👀", face_with_thermometer: "🤒", fire: "🔥",
  globe_with_meridians: "🌐", grey_question: "❔", hammer_and_wrench: "🛠️", hospital: "🏥",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", incoming_envelope: "📨", information_source: "ℹ️",
  key: "🔑", lock: "🔒", mag: "🔍", mask: "😷", memo: "📝", muscle: "💪", nauseated_face: "🤢",
  no_entry: "⛔", package: "📦", palm_tree: "🌴", pencil: "📝", pencil2: "✏️", point_right: "👉",
  pushpin: "📌", question: "❓", raised_hands: "🙌", red_circle: "🔴", rocket: "🚀",
  large_green_circle: "🟢", large_yellow_circle: "🟡", seedling: "🌱", shield: "🛡️",
  sneezing_face: "🤧", sparkles: "✨", speech_balloon: "💬", star: "⭐", stopwatch: "⏱️",
  tada: "🎉", thermometer: "🌡️", thinking_face: "🤔", thumbsup: "👍", "+1": "👍", wave: "👋",
  wastebasket: "🗑️", warning: "⚠️", white_check_mark: "✅", x: "❌", zap: "⚡", books: "📚",
  compass: "🧭", dart: "🎯", handshake: "🤝", seat: "💺", bar_chart: "📊", battery: "🔋",
  sunny: "☀️", hugging_face: "🤗", writing_hand: "✍️", mountain: "⛰️", ladder: "🪜",
};

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Slack's three entities back to characters (one pass, so "&amp;lt;" stays "&lt;"). */
export function decodeSlack(text) {
  return String(text).replace(/&(amp|lt|gt);/g, (_, name) => SLACK_ENTITIES[name]);
}

/** Display text for Slack-escaped text: decoded, then HTML-escaped. */
function shown(text) {
  return escapeHtml(decodeSlack(text));
}

export function emojify(escaped) {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

/** plain_text objects: no markup at all, only emoji shortcodes when `emoji` is on. */
export function plainText(text, emoji = true) {
  const escaped = escapeHtml(text);
  return emoji ? emojify(escaped) : escaped;
}

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

function control(inner, names) {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : "";
  const mention = (text) => `<span class="mention">${text}</span>`;
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = (names.users && names.users[id]) || label || id;
    return mention("@" + shown(name));
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = (names.channels && names.channels[id]) || label || id;
    return mention("#" + shown(name));
  }
  if (target.startsWith("!")) {
    const word = target.slice(1);
    if (["here", "channel", "everyone"].includes(word)) return mention("@" + word);
    if (word.startsWith("subteam^")) return mention(shown(label || "@group"));
    if (word.startsWith("date^")) return shown(label || word.split("^")[2] || "");
    return shown(label || word);
  }
  const url = decodeSlack(target);
  const text = label ? emojify(shown(label)) : escapeHtml(url);
  if (!SAFE_URL.test(url)) return text;
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

function inline(escaped) {
  // Word-boundary rules close to Slack's: the markers must hug non-space text and must not
  // sit inside a word (snake_case_names stay as they are).
  const wrap = (marker, tag) =>
    new RegExp(
      `(^|[^\\w${marker}])\\${marker}(?=\\S)([^${marker}\\n]*?\\S)\\${marker}(?![\\w${marker}])`,
      "g",
    );
  return escaped
    .replace(wrap("*", "strong"), "$1<strong>$2</strong>")
    .replace(wrap("_", "em"), "$1<em>$2</em>")
    .replace(wrap("~", "del"), "$1<del>$2</del>");
}

/**
 * Render Slack mrkdwn to an HTML string that is safe to assign to innerHTML.
 * `names` maps ids to display names: {users: {U123: "Alice"}, channels: {C123: "team"}}.
 */
export function mrkdwn(text, names = {}) {
  const pieces = [];
  const keep = (html) => `\u0000${pieces.push(html) - 1}\u0000`;
  let rest = String(text ?? "").replace(/\u0000/g, "");
  rest = rest.replace(/```([\s\S]*?)```/g, (_, code) =>
    keep(`<pre class="mrkdwn-pre"><code>${shown(code.replace(/^\n/, ""))}</code></pre>`),
  );
  rest = rest.replace(/`([^`\n]+)`/g, (_, code) => keep(`<code>${shown(code)}</code>`));
  rest = rest.replace(/<([^<>\n]+)>/g, (_, inner) => keep(control(inner, names)));

  const lines = rest.split("\n");
  const out = [];
  let quote = [];
  const flushQuote = () => {
    if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    // A raw ">" starts a quote; "&gt;" is a literal ">" the author escaped.
    if (line.startsWith(">")) {
      quote.push(inline(emojify(shown(line.slice(1).replace(/^ /, "")))));
      continue;
    }
    flushQuote();
    out.push(inline(emojify(shown(line))));
  }
  flushQuote();
  let html = "";
  out.forEach((part, i) => {
    const isBlock = part.startsWith("<blockquote>");
    if (i > 0 && !isBlock && !out[i - 1].startsWith("<blockquote>")) html += "<br>";
    html += part;
  });
  // Put the cut-out pieces back (each is complete, escaped HTML of its own).
  return html.replace(PLACEHOLDER, (_, n) => pieces[Number(n)] ?? "");
}
