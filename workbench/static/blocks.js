// Block Kit -> DOM, for messages, modals and the Home tab.
//
// Structure is built with createElement; only mrkdwn/plain_text go through innerHTML, and
// those come out of mrkdwn.js already escaped. Interactive elements are real <button>,
// <select> and <input> controls with labels. Actions call ctx.onAction({action_id,
// block_id, value}); input blocks (modals) register a reader in the returned `inputs`.

import { escapeHtml, mrkdwn, plainText } from "./mrkdwn.js";

let counter = 0;
const newId = (prefix) => `${prefix}-${(counter += 1)}`;
const SAFE_URL = /^https?:\/\//i;

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "html") node.innerHTML = value; // only ever escaped HTML from mrkdwn.js
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}
export { h };

export function textHtml(obj, names) {
  if (!obj) return "";
  if (typeof obj === "string") return mrkdwn(obj, names);
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, names);
  return plainText(obj.text ?? "", obj.emoji !== false);
}

export function plainOf(obj) {
  return obj && typeof obj.text === "string" ? obj.text : "";
}

function optionsOf(element) {
  const found = [...(element.options || [])];
  for (const group of element.option_groups || []) found.push(...(group.options || []));
  return found;
}

function busy(control, promise) {
  control.setAttribute("aria-busy", "true");
  control.disabled = true;
  Promise.resolve(promise).finally(() => {
    control.removeAttribute("aria-busy");
    control.disabled = false;
  });
}

// -- interactive elements outside input blocks (messages, Home, modal sections) ----------
function actionElement(element, block, ctx) {
  const blockId = block.block_id;
  const act = (value) =>
    ctx.onAction({ action_id: element.action_id, block_id: blockId, value, element });
  const key = `${blockId}/${element.action_id}/${element.value ?? ""}`;
  switch (element.type) {
    case "button": {
      const style = element.style === "primary" ? " btn-primary" : element.style === "danger" ? " btn-danger" : "";
      const button = h("button", {
        type: "button",
        class: `btn bk-button${style}`,
        "data-focus-key": key,
        "aria-label": element.accessibility_label,
        html: plainText(plainOf(element.text), element.text?.emoji !== false),
      });
      button.addEventListener("click", async () => {
        if (element.confirm && !(await ctx.confirm(element.confirm))) return;
        if (element.url && SAFE_URL.test(element.url)) {
          window.open(element.url, "_blank", "noopener,noreferrer");
        }
        busy(button, act(element.value ?? null));
      });
      return button;
    }
    case "static_select":
    case "external_select":
    case "overflow":
    case "users_select":
    case "conversations_select":
    case "channels_select": {
      const label =
        element.type === "overflow" ? "More options" : plainOf(element.placeholder) || "Choose…";
      const select = h("select", { class: "bk-select", "aria-label": label, "data-focus-key": key });
      select.append(h("option", { value: "", text: element.type === "overflow" ? "⋯" : label }));
      for (const [value, text] of choices(element, ctx)) {
        select.append(h("option", { value, text }));
      }
      const initial = initialValue(element);
      if (typeof initial === "string") select.value = initial;
      select.addEventListener("change", async () => {
        if (!select.value) return;
        if (element.confirm && !(await ctx.confirm(element.confirm))) return;
        busy(select, act(select.value));
      });
      return select;
    }
    case "datepicker":
    case "timepicker": {
      const input = h("input", {
        type: element.type === "datepicker" ? "date" : "time",
        class: "bk-text",
        "aria-label": plainOf(element.placeholder) || (element.type === "datepicker" ? "Pick a date" : "Pick a time"),
        "data-focus-key": key,
      });
      input.value = initialValue(element) || "";
      input.addEventListener("change", () => input.value && busy(input, act(input.value)));
      return input;
    }
    case "radio_buttons":
    case "checkboxes": {
      const group = h("div", { class: "bk-choices", role: element.type === "radio_buttons" ? "radiogroup" : "group", "aria-label": "Options" });
      const name = newId("choice");
      for (const [value, text] of choices(element, ctx)) {
        const input = h("input", { type: element.type === "radio_buttons" ? "radio" : "checkbox", name, value });
        input.addEventListener("change", () => {
          const picked = [...group.querySelectorAll("input:checked")].map((i) => i.value);
          act(element.type === "radio_buttons" ? picked[0] ?? null : picked);
        });
        group.append(h("label", { class: "bk-choice" }, input, " ", text));
      }
      return group;
    }
    case "image":
      return imageElement(element);
    default:
      return h("span", { class: "bk-unsupported", text: `[${element.type}]` });
  }
}

function choices(element, ctx) {
  if (element.type === "users_select" || element.type === "multi_users_select") {
    return (ctx.users || []).map((u) => [u.id, u.real_name]);
  }
  if (element.type.includes("conversations") || element.type.includes("channels")) {
    return (ctx.channels || []).map((c) => [c.id, `#${c.name}`]);
  }
  return optionsOf(element).map((o) => [o.value, plainOf(o.text)]);
}

function initialValue(element) {
  if (element.initial_option) return element.initial_option.value;
  if (element.initial_options) return element.initial_options.map((o) => o.value);
  for (const key of ["initial_value", "initial_date", "initial_time", "initial_user", "initial_conversation", "initial_channel"]) {
    if (element[key] !== undefined) return String(element[key]);
  }
  for (const key of ["initial_users", "initial_conversations", "initial_channels"]) {
    if (element[key] !== undefined) return element[key].map(String);
  }
  return null;
}

function imageElement(element) {
  // A file the app uploaded (slack_file) is served by the workbench; remote images are not
  // fetched offline: show what a screen reader would read.
  const fileId = element.slack_file && element.slack_file.id;
  if (fileId) {
    return h("img", { class: "bk-image-file", src: `/api/file?id=${encodeURIComponent(fileId)}`, alt: element.alt_text || "image" });
  }
  return h("span", { class: "bk-image", role: "img", "aria-label": element.alt_text || "image", text: `🖼 ${element.alt_text || "image"}` });
}

// -- input blocks (modals) ----------------------------------------------------------------
function inputBlock(block, ctx) {
  const element = block.element || {};
  const id = newId("input");
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const labelHtml = plainText(plainOf(block.label), block.label?.emoji !== false);
  const optional = block.optional ? h("span", { class: "bk-optional", text: " (optional)" }) : null;
  const hint = block.hint ? h("p", { class: "bk-hint", id: hintId, html: plainText(plainOf(block.hint)) }) : null;
  const error = h("p", { class: "bk-error", id: errorId, hidden: true });
  const describedBy = [hint ? hintId : null, errorId].filter(Boolean).join(" ");
  const key = `${block.block_id}/${element.action_id}`;
  let control;
  let read;
  let write;
  let wrap;
  const initial = initialValue(element);
  const isGroup = element.type === "radio_buttons" || element.type === "checkboxes";

  if (isGroup) {
    const name = newId("group");
    const inputs = choices(element, ctx).map(([value, text]) => {
      const input = h("input", { type: element.type === "radio_buttons" ? "radio" : "checkbox", name, value, "aria-describedby": describedBy });
      const chosen = Array.isArray(initial) ? initial.includes(value) : initial === value;
      input.checked = chosen;
      return [input, h("label", { class: "bk-choice" }, input, " ", text)];
    });
    control = inputs[0]?.[0];
    read = () => {
      const picked = inputs.filter(([i]) => i.checked).map(([i]) => i.value);
      return element.type === "radio_buttons" ? picked[0] ?? null : picked;
    };
    write = (value) => inputs.forEach(([i]) => { i.checked = Array.isArray(value) ? value.includes(i.value) : value === i.value; });
    wrap = h("fieldset", { class: "bk-input", "data-block-id": block.block_id },
      h("legend", { class: "bk-label" }, h("span", { html: labelHtml }), optional),
      h("div", { class: "bk-choices" }, inputs.map(([, label]) => label)), hint, error);
  } else {
    const common = { id, "aria-describedby": describedBy, "data-focus-key": key, "aria-required": block.optional ? undefined : "true" };
    const placeholder = plainOf(element.placeholder) || undefined;
    switch (element.type) {
      case "plain_text_input":
        control = element.multiline
          ? h("textarea", { ...common, class: "bk-text", rows: 3, placeholder })
          : h("input", { ...common, type: "text", class: "bk-text", placeholder });
        if (element.max_length) control.maxLength = element.max_length;
        if (element.min_length) control.minLength = element.min_length;
        break;
      case "number_input":
        control = h("input", { ...common, type: "number", class: "bk-text", placeholder, inputmode: element.is_decimal_allowed ? "decimal" : "numeric", step: element.is_decimal_allowed ? "any" : "1", min: element.min_value, max: element.max_value });
        break;
      case "email_text_input":
        control = h("input", { ...common, type: "email", class: "bk-text", placeholder });
        break;
      case "url_text_input":
        control = h("input", { ...common, type: "url", class: "bk-text", placeholder });
        break;
      case "datepicker":
        control = h("input", { ...common, type: "date", class: "bk-text" });
        break;
      case "timepicker":
        control = h("input", { ...common, type: "time", class: "bk-text" });
        break;
      case "static_select":
      case "external_select":
      case "users_select":
      case "conversations_select":
      case "channels_select":
        control = h("select", { ...common, class: "bk-select" });
        control.append(h("option", { value: "", text: placeholder || "Choose…" }));
        for (const [value, text] of choices(element, ctx)) control.append(h("option", { value, text }));
        break;
      case "multi_static_select":
      case "multi_external_select":
      case "multi_users_select":
      case "multi_conversations_select":
      case "multi_channels_select":
        control = h("select", { ...common, class: "bk-select", multiple: true, size: 4 });
        for (const [value, text] of choices(element, ctx)) control.append(h("option", { value, text }));
        break;
      default:
        control = h("input", { ...common, type: "text", class: "bk-text", disabled: true, value: `[${element.type} is not supported in the workbench]` });
    }
    const multiple = control.multiple;
    read = () => {
      if (multiple) return [...control.selectedOptions].map((o) => o.value);
      const value = control.value;
      return value === "" ? null : value;
    };
    write = (value) => {
      if (multiple) [...control.options].forEach((o) => { o.selected = Array.isArray(value) && value.includes(o.value); });
      else control.value = value ?? "";
    };
    wrap = h("div", { class: "bk-input", "data-block-id": block.block_id },
      h("label", { class: "bk-label", for: id }, h("span", { html: labelHtml }), optional),
      control, hint, error);
  }
  if (initial !== null) write(initial);

  const setError = (message) => {
    error.textContent = message || "";
    error.hidden = !message;
    wrap.classList.toggle("has-error", Boolean(message));
    const targets = isGroup ? wrap.querySelectorAll("input") : [control];
    targets.forEach((t) => (message ? t.setAttribute("aria-invalid", "true") : t.removeAttribute("aria-invalid")));
  };
  ctx.inputs.push({
    block_id: block.block_id,
    action_id: element.action_id,
    required: !block.optional,
    read,
    write,
    setError,
    focus: () => control?.focus(),
    check: () => {
      if (!isGroup && control && control.validity && !control.validity.valid) {
        return control.validationMessage;
      }
      return null;
    },
  });
  return wrap;
}

// -- blocks -------------------------------------------------------------------------------
function section(block, ctx) {
  const node = h("div", { class: "bk-section" });
  const body = h("div", { class: "bk-section-body" });
  if (block.text) body.append(h("div", { class: "bk-text-block", html: textHtml(block.text, ctx.names) }));
  if (block.fields?.length) {
    body.append(h("div", { class: "bk-fields" }, block.fields.map((f) => h("div", { class: "bk-field", html: textHtml(f, ctx.names) }))));
  }
  node.append(body);
  if (block.accessory) node.append(h("div", { class: "bk-accessory" }, actionElement(block.accessory, block, ctx)));
  return node;
}

function context(block, ctx) {
  return h("div", { class: "bk-context" }, (block.elements || []).map((e) =>
    e.type === "image" ? imageElement(e) : h("span", { html: textHtml(e, ctx.names) })));
}

function richText(block, ctx) {
  const render = (el) => {
    if (el.type === "text") {
      let html = escapeHtml(el.text || "").replace(/\n/g, "<br>");
      const s = el.style || {};
      if (s.code) html = `<code>${html}</code>`;
      if (s.bold) html = `<strong>${html}</strong>`;
      if (s.italic) html = `<em>${html}</em>`;
      if (s.strike) html = `<del>${html}</del>`;
      return html;
    }
    if (el.type === "link") return mrkdwn(`<${el.url}|${el.text || el.url}>`, ctx.names);
    if (el.type === "user") return mrkdwn(`<@${el.user_id}>`, ctx.names);
    if (el.type === "channel") return mrkdwn(`<#${el.channel_id}>`, ctx.names);
    if (el.type === "emoji") return plainText(`:${el.name}:`);
    if (el.elements) return el.elements.map(render).join("");
    return "";
  };
  return h("div", { class: "bk-rich", html: (block.elements || []).map(render).join("<br>") });
}

export function renderBlocks(blocks, ctx) {
  const context_ = { names: {}, inputs: [], onAction: async () => {}, confirm: async () => true, ...ctx };
  context_.inputs = ctx.inputs || [];
  const root = h("div", { class: "bk" });
  for (const block of blocks || []) {
    let node;
    switch (block.type) {
      case "header":
        node = h("div", { class: "bk-header", role: "heading", "aria-level": "3", html: plainText(plainOf(block.text), block.text?.emoji !== false) });
        break;
      case "section":
        node = section(block, context_);
        break;
      case "context":
        node = context(block, context_);
        break;
      case "divider":
        node = h("hr", { class: "bk-divider" });
        break;
      case "actions":
        node = h("div", { class: "bk-actions" }, (block.elements || []).map((e) => actionElement(e, block, context_)));
        break;
      case "input":
        node = inputBlock(block, context_);
        break;
      case "image":
        node = h("figure", { class: "bk-image-block" }, imageElement(block), block.title ? h("figcaption", { html: plainText(plainOf(block.title)) }) : null);
        break;
      case "rich_text":
        node = richText(block, context_);
        break;
      default:
        node = h("div", { class: "bk-unsupported", text: `[unsupported block: ${block.type}]` });
    }
    root.append(node);
  }
  return { node: root, inputs: context_.inputs };
}
