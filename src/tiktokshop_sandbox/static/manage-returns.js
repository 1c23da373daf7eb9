/*
 * ManageReturns: the sandbox's stand-in for TikTok Shop's return & refund widget.
 *
 *   import createManageReturns from ".../sandbox/widgets/reverse/1.0.0/manage-returns.js";
 *   const content = createManageReturns();
 *   content.mount({ container, props });   // props: shopId, oecRegion, appKey, getToken, ...
 *   content.update(props);                 // new props, same container
 *   content.unmount();                     // container left empty
 *
 * widget-kit does the above itself (see remote-entry.js): it calls mount() from
 * WidgetView.render(), update() from WidgetView.update() and from its own
 * update()/updateCommonConfig(), and unmount() from WidgetView.unmount().
 *
 * One content object serves one widget name in one widget-kit core, so every
 * WidgetView of it shares this object. It shows the widget in one container at
 * a time: mounting into a container while mounted elsewhere first unmounts the
 * old one (leaving it empty), and update() before any mount is ignored because
 * mount() always receives the complete props.
 *
 * The widget lists the shop's return and refund requests and records the
 * seller's decisions through the sandbox's Return & Refund API, sending the
 * token from props.getToken() with every call. Text that comes from data is
 * only ever set through DOM APIs (textContent, Text nodes), never as HTML.
 * Stable hooks for tests are data-testid attributes ("mr-root", "mr-row", ...).
 */

// Relative to this file (<sandbox>/widgets/reverse/<version>/), so the widget
// finds its API wherever the sandbox is mounted.
const API_BASE = new URL("../../../api/return_refund/202309/", import.meta.url);
const TOKEN_HEADER = "x-tts-access-token";
// Ask for a new token this long before the current one expires.
const TOKEN_REFRESH_MARGIN_S = 30;
const CLOCK_TICK_MS = 30 * 1000;
const PAGE_SIZE = 20;
const MAX_COMMENT_LENGTH = 500;

const PENDING = "RETURN_OR_REFUND_REQUEST_PENDING";
const AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP";
const BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM";
const REJECTED = "RETURN_OR_REFUND_REQUEST_REJECT";
const APPROVED = "RETURN_OR_REFUND_REQUEST_SUCCESS";
const CANCELLED = "RETURN_OR_REFUND_REQUEST_CANCEL";
const COMPLETED = "RETURN_OR_REFUND_REQUEST_COMPLETE";

const STATUS_LABELS = {
  [PENDING]: "Request pending",
  [AWAITING_BUYER_SHIP]: "Awaiting buyer's shipment",
  [BUYER_SHIPPED_ITEM]: "Buyer shipped the item",
  [REJECTED]: "Rejected",
  [APPROVED]: "Approved",
  [CANCELLED]: "Cancelled by buyer",
  [COMPLETED]: "Completed",
};
const TYPE_LABELS = {
  REFUND: "Refund only",
  RETURN_AND_REFUND: "Return and refund",
  REPLACEMENT: "Replacement",
};
const FILTERS = [
  { value: "awaiting", label: "Awaiting your response", statuses: [PENDING, BUYER_SHIPPED_ITEM] },
  { value: "awaiting_buyer", label: "Awaiting buyer's shipment", statuses: [AWAITING_BUYER_SHIP] },
  { value: "approved", label: "Approved and completed", statuses: [APPROVED, COMPLETED] },
  { value: "rejected", label: "Rejected", statuses: [REJECTED] },
  { value: "cancelled", label: "Cancelled", statuses: [CANCELLED] },
  { value: "all", label: "All requests", statuses: [] },
];
const DEFAULT_FILTER = "awaiting";

// The decision the seller owes, by return type and status (mirrors the sandbox's rules).
// `subject` names what Accept and Reject act on, for the buttons' accessible names
// ("Accept the refund request for order 5712…"); `acceptHint` is Accept's tooltip.
const RECEIVED_PACKAGE = {
  approve: "APPROVE_RECEIVED_PACKAGE",
  reject: "REJECT_RECEIVED_PACKAGE",
  subject: "the returned package",
  acceptHint: "Accept the returned package",
};
const DECISION_RULES = {
  [`REFUND:${PENDING}`]: {
    approve: "APPROVE_REFUND", reject: "REJECT_REFUND", subject: "the refund request", acceptHint: "Approve the refund",
  },
  [`RETURN_AND_REFUND:${PENDING}`]: {
    approve: "APPROVE_RETURN", reject: "REJECT_RETURN", subject: "the return request", acceptHint: "Approve the return",
  },
  [`REPLACEMENT:${PENDING}`]: {
    approve: "APPROVE_REPLACEMENT", reject: "REJECT_REPLACEMENT", subject: "the replacement request",
    acceptHint: "Approve the replacement",
  },
  [`RETURN_AND_REFUND:${BUYER_SHIPPED_ITEM}`]: RECEIVED_PACKAGE,
  [`REPLACEMENT:${BUYER_SHIPPED_ITEM}`]: RECEIVED_PACKAGE,
};
const DECISION_DONE = {
  APPROVE_REFUND: "Refund approved",
  APPROVE_RETURN: "Return approved. The buyer can now send the item back",
  APPROVE_REPLACEMENT: "Replacement approved. The buyer can now send the item back",
  APPROVE_RECEIVED_PACKAGE: "Returned package accepted",
  REJECT_REFUND: "Refund request rejected",
  REJECT_RETURN: "Return request rejected",
  REJECT_REPLACEMENT: "Replacement request rejected",
  REJECT_RECEIVED_PACKAGE: "Returned package rejected",
};
const DECISION_HISTORY = {
  APPROVE_REFUND: "You approved the refund",
  APPROVE_RETURN: "You approved the return",
  APPROVE_REPLACEMENT: "You approved the replacement",
  APPROVE_RECEIVED_PACKAGE: "You accepted the returned package",
  REJECT_REFUND: "You rejected the refund",
  REJECT_RETURN: "You rejected the return",
  REJECT_REPLACEMENT: "You rejected the replacement",
  REJECT_RECEIVED_PACKAGE: "You rejected the returned package",
};

// TikTok's widget-platform codes, in plain words.
const TOKEN_EXPIRED = 36017005;
const PLATFORM_ERRORS = {
  36017010: "This page's address is not allowed to show the widget",
  36017005: "The widget token has expired",
  36017006: "The widget token is invalid",
  36017008: "The app key does not match the token",
  36017009: "This shop does not match the token",
  36004003: "This app key is not registered with TikTok Shop",
  I01008: "The shop's region does not match the widget's settings",
};
// Codes a fresh token may cure: the cached one is dropped and Retry offered.
const TOKEN_CODES = new Set([36017005, 36017006, 36017009]);
// The sandbox's own code for a decision that came too late (not a TikTok code).
const RETURN_NOT_PENDING = 99001409;
const RETURN_NOT_FOUND = 99001404;

/** An error to show: `code` is the platform's code or one of the widget's own
 * ("token_unavailable", "network_error", "bad_response"). */
class WidgetError extends Error {
  constructor(code, message, { retryable = false, fromPlatform = false } = {}) {
    super(message);
    this.code = code;
    this.retryable = retryable;
    this.fromPlatform = fromPlatform; // the platform answered (so onResult hears of it)
  }
}

function platformError(reply) {
  const known = PLATFORM_ERRORS[reply.code];
  const words = known || sentence(String(reply.message || "TikTok Shop could not do this"));
  return new WidgetError(reply.code, `${words} (${reply.code})`, {
    retryable: TOKEN_CODES.has(reply.code),
    fromPlatform: true,
  });
}

function sentence(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function describe(error) {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function isAbort(error) {
  return error instanceof DOMException && error.name === "AbortError";
}

function nowSeconds() {
  return Date.now() / 1000;
}

/** Tokens from the app's getToken(), reused until shortly before they expire. */
class TokenSource {
  constructor(getToken) {
    this.getToken = getToken;
    this.cached = null; // { token, expiresAt }
    this.pending = null; // one getToken() call at a time, shared by all callers
  }

  async token({ fresh = false } = {}) {
    if (!fresh && this.cached && this.cached.expiresAt - TOKEN_REFRESH_MARGIN_S > nowSeconds()) {
      return this.cached.token;
    }
    if (!this.pending) {
      this.pending = this.fetchToken().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  forget() {
    this.cached = null;
  }

  async fetchToken() {
    let auth;
    try {
      if (typeof this.getToken !== "function") throw new Error("getToken is not a function");
      auth = await this.getToken();
    } catch (error) {
      throw new WidgetError("token_unavailable",
        `Could not get a widget token from the app: ${describe(error)}`, { retryable: true });
    }
    if (!auth || typeof auth.token !== "string" || auth.token === "") {
      throw new WidgetError("token_unavailable",
        "Could not get a widget token from the app: getToken() returned no token",
        { retryable: true });
    }
    // expire_at is unix seconds as a string; without a usable one the token is
    // used for this call only.
    const expiresAt = Number(auth.expire_at);
    this.cached = Number.isFinite(expiresAt) ? { token: auth.token, expiresAt } : null;
    return auth.token;
  }
}

/** document.createElement with attributes and children; strings become Text nodes. */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") element.className = value;
    else if (name === "value" || name === "disabled" || name === "hidden") element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  return element;
}

/** Money and date formatting for one locale (props.locale, else the browser's). */
class Formats {
  constructor(locale) {
    this.locale = locale;
    this.currencies = new Map();
    try {
      this.dates = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
    } catch {
      this.dates = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
    }
  }

  money(amount, currency) {
    if (!this.currencies.has(currency)) {
      let format = null; // an unknown locale or currency: plain text beats no text
      try {
        format = new Intl.NumberFormat(this.locale, { style: "currency", currency });
      } catch {
        try {
          format = new Intl.NumberFormat("en-US", { style: "currency", currency });
        } catch {}
      }
      this.currencies.set(currency, format);
    }
    const format = this.currencies.get(currency);
    return format && Number.isFinite(Number(amount)) ? format.format(Number(amount)) : `${amount} ${currency}`;
  }

  date(seconds) {
    return this.dates.format(new Date(Number(seconds) * 1000));
  }
}

/** A random idempotency key; crypto.randomUUID() only exists on https and localhost pages. */
function newIdempotencyKey() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

function timeLeft(deadline) {
  const seconds = deadline - nowSeconds();
  if (seconds <= 0) return { text: "Overdue", urgency: "overdue" };
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.max(1, Math.floor((seconds % 3600) / 60));
  // No-break spaces keep each number with its unit when the line wraps ("3 d 15 h", never "15 / h").
  const text = days > 0 ? `${days}\u00a0d ${hours}\u00a0h` : hours > 0 ? `${hours}\u00a0h ${minutes}\u00a0min` : `${minutes}\u00a0min`;
  return { text: `Respond within ${text}`, urgency: seconds < 12 * 3600 ? "soon" : "" };
}

function timeLeftClass(urgency) {
  return urgency ? `tsw-mr-time-left tsw-mr-${urgency}` : "tsw-mr-time-left";
}

function decisionRules(order) {
  return DECISION_RULES[`${order.return_type}:${order.return_status}`] || null;
}

/** Line items with one entry per unit (as TikTok lists them), as [{ item, quantity }]. */
function groupItems(items) {
  const groups = new Map();
  for (const item of items) {
    const key = `${item.sku_id}|${item.product_name}|${item.sku_name}`;
    if (groups.has(key)) groups.get(key).quantity += 1;
    else groups.set(key, { item, quantity: 1 });
  }
  return [...groups.values()];
}

function deadlineOf(order) {
  const actions = Array.isArray(order.seller_next_action_response) ? order.seller_next_action_response : [];
  const deadlines = actions.map((a) => Number(a && a.deadline)).filter(Number.isFinite);
  return deadlines.length ? Math.min(...deadlines) : null;
}

let nextViewId = 1;

/** The widget in one container; ManageReturnsContent creates one per mount. */
class ReturnsView {
  constructor(container, props) {
    this.props = props;
    this.idPrefix = `tsw-mr-${nextViewId++}`;
    this.filter = DEFAULT_FILTER;
    this.formats = new Formats(props.locale || undefined);
    this.entries = new Map(); // return_id -> { order, busy, attempt, rejectForm }
    this.rowElements = new Map();
    this.reasonCache = new Map(); // "type:status" -> [{ name, text }]
    this.nextPageToken = "";
    this.totalCount = 0;
    this.loading = false;
    this.loadingMore = false;
    this.loadGeneration = 0;
    this.error = null; // { error, retry }
    this.notice = "";
    this.startScope();

    this.onClick = (event) => this.handleClick(event);
    this.onChange = (event) => this.handleChange(event);
    this.onInput = (event) => this.handleInput(event);
    this.onSubmit = (event) => this.handleSubmit(event);
    this.onKeydown = (event) => this.handleKeydown(event);
    this.buildFrame();
    this.root.addEventListener("click", this.onClick);
    this.root.addEventListener("change", this.onChange);
    this.root.addEventListener("input", this.onInput);
    this.root.addEventListener("submit", this.onSubmit);
    this.root.addEventListener("keydown", this.onKeydown);
    container.replaceChildren(this.root);
    this.clock = setInterval(() => this.tick(), CLOCK_TICK_MS);
    this.load();
  }

  // -- lifecycle -------------------------------------------------------------

  /** A new shop/app scope: fresh token source, and every call of the old scope aborted. */
  startScope() {
    if (this.controller) this.controller.abort();
    this.controller = new AbortController();
    this.tokens = new TokenSource(this.props.getToken);
  }

  setProps(props) {
    const before = this.props;
    this.props = props;
    const scopeChanged = ["shopId", "oecRegion", "appKey"].some((key) => before[key] !== props[key]);
    if (before.locale !== props.locale) this.formats = new Formats(props.locale || undefined);
    if (scopeChanged) {
      this.startScope();
      this.entries.clear();
      this.reasonCache.clear();
      this.notice = "";
      this.error = null;
      this.load();
    } else {
      if (before.getToken !== props.getToken) this.tokens = new TokenSource(props.getToken);
      if (before.locale !== props.locale) this.renderList();
    }
  }

  destroy() {
    this.controller.abort();
    clearInterval(this.clock);
    this.root.removeEventListener("click", this.onClick);
    this.root.removeEventListener("change", this.onChange);
    this.root.removeEventListener("input", this.onInput);
    this.root.removeEventListener("submit", this.onSubmit);
    this.root.removeEventListener("keydown", this.onKeydown);
    this.root.remove();
    this.entries.clear();
    this.rowElements.clear();
  }

  // -- talking to the platform -------------------------------------------------

  async call(path, body, signal) {
    let token = await this.tokens.token();
    let reply = await this.post(path, body, token, signal);
    if (reply.code === TOKEN_EXPIRED) {
      // The app may have handed out a token that expired in transit: one fresh try.
      this.tokens.forget();
      token = await this.tokens.token({ fresh: true });
      reply = await this.post(path, body, token, signal);
    }
    if (reply.code !== 0) {
      if (TOKEN_CODES.has(reply.code)) this.tokens.forget();
      throw platformError(reply);
    }
    return reply.data;
  }

  async post(path, body, token, signal) {
    signal.throwIfAborted();
    const { shopId, appKey, oecRegion } = this.props;
    let response;
    let reply = null;
    try {
      response = await fetch(new URL(path, API_BASE), {
        method: "POST",
        headers: { "content-type": "application/json", [TOKEN_HEADER]: token },
        body: JSON.stringify({ shop_id: String(shopId), app_key: String(appKey), oec_region: String(oecRegion), ...body }),
        credentials: "omit",
        cache: "no-store",
        signal,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new WidgetError("network_error",
        "Could not reach TikTok Shop. Check the internet connection and try again.", { retryable: true });
    }
    try {
      reply = await response.json();
    } catch (error) {
      if (isAbort(error)) throw error;
    }
    if (!reply || typeof reply !== "object" || !("code" in reply)) {
      throw new WidgetError("bad_response",
        `TikTok Shop sent an unexpected answer (HTTP ${response.status}). Try again in a moment.`,
        { retryable: true });
    }
    return reply;
  }

  async load({ more = false } = {}) {
    const generation = ++this.loadGeneration; // a newer load (another filter) wins
    const { signal } = this.controller;
    const filter = FILTERS.find((f) => f.value === this.filter);
    if (more) {
      this.loadingMore = true;
    } else {
      this.loading = true;
      this.entries.clear();
      this.nextPageToken = "";
      this.renderList();
    }
    this.clearError();
    this.renderMessages();
    const body = { page_size: PAGE_SIZE };
    if (filter.statuses.length) body.return_status = filter.statuses;
    if (more) body.page_token = this.nextPageToken;
    try {
      const data = await this.call("returns/search", body, signal);
      if (signal.aborted || generation !== this.loadGeneration) return;
      if (!data || !Array.isArray(data.return_orders)) {
        throw new WidgetError("bad_response", "TikTok Shop sent an unexpected list of returns.", { retryable: true });
      }
      const firstNew = data.return_orders.find((order) => !this.entries.has(order.return_id));
      for (const order of data.return_orders) this.entries.set(order.return_id, this.newEntry(order));
      if (more && firstNew) this.focusAfterLoad = firstNew.return_id;
      this.nextPageToken = typeof data.next_page_token === "string" ? data.next_page_token : "";
      this.totalCount = Number(data.total_count) || this.entries.size;
    } catch (error) {
      if (signal.aborted || generation !== this.loadGeneration) return;
      this.showError(error, () => this.load({ more }));
    } finally {
      if (!signal.aborted && generation === this.loadGeneration) {
        this.loading = false;
        this.loadingMore = false;
        this.renderList();
        this.renderMessages();
        this.moveFocusAfterLoad();
      }
    }
  }

  /** After "Show more" (whose button is rebuilt, so loses focus), the first new row. */
  moveFocusAfterLoad() {
    const returnId = this.focusAfterLoad;
    this.focusAfterLoad = null;
    const row = returnId && this.rowElements.get(returnId);
    if (!row || !this.focusIsLost()) return;
    row.tabIndex = -1;
    row.focus();
  }

  /** Whether the focused element was one the widget has just removed or disabled. */
  focusIsLost() {
    const active = document.activeElement;
    return !active || active === document.body || (this.root.contains(active) ? active.disabled === true : !active.isConnected);
  }

  /** Fetch the current state of some rows again (after a decision came too late). */
  async refreshRows(returnIds) {
    const { signal } = this.controller;
    try {
      const data = await this.call("returns/search", { return_ids: returnIds, page_size: returnIds.length }, signal);
      if (signal.aborted) return;
      const fresh = new Map((data.return_orders || []).map((order) => [order.return_id, order]));
      for (const returnId of returnIds) {
        const entry = this.entries.get(returnId);
        if (!entry) continue;
        if (fresh.has(returnId)) {
          entry.order = fresh.get(returnId);
          this.renderRow(returnId);
        } else {
          this.entries.delete(returnId);
          this.rowElements.get(returnId)?.remove();
          this.rowElements.delete(returnId);
          this.renderMessages();
        }
      }
    } catch (error) {
      if (!signal.aborted) this.showError(error, () => this.refreshRows(returnIds));
    }
  }

  async loadReasons(returnId) {
    const entry = this.entries.get(returnId);
    if (!entry || !entry.rejectForm) return;
    const key = `${entry.order.return_type}:${entry.order.return_status}`;
    if (this.reasonCache.has(key)) {
      entry.rejectForm.reasons = this.reasonCache.get(key);
      this.renderRow(returnId, "reason");
      return;
    }
    const { signal } = this.controller;
    entry.rejectForm.reasons = null;
    entry.rejectForm.reasonsFailed = false;
    try {
      const data = await this.call("reject_reasons", { return_id: returnId }, signal);
      if (signal.aborted) return;
      const reasons = (data && Array.isArray(data.reasons) ? data.reasons : [])
        .filter((r) => r && typeof r.name === "string" && typeof r.text === "string");
      this.reasonCache.set(key, reasons);
      if (entry.rejectForm) {
        entry.rejectForm.reasons = reasons;
        this.renderRow(returnId, "reason");
      }
    } catch (error) {
      if (signal.aborted) return;
      const what = "load the reasons for rejecting";
      if (error.code === RETURN_NOT_PENDING) {
        entry.rejectForm = null;
        this.showError(this.forOrder(entry, error, what));
        this.refreshRows([returnId]);
        return;
      }
      if (entry.rejectForm) {
        entry.rejectForm.reasonsFailed = true;
        this.renderRow(returnId);
      }
      this.showError(this.forOrder(entry, error, what), () => this.loadReasons(returnId));
    }
  }

  async decide(returnId, kind) {
    const entry = this.entries.get(returnId);
    const rules = entry && decisionRules(entry.order);
    if (!rules || entry.busy) return; // a second click while the first is in flight
    const request = kind === "approve"
      ? { decision: rules.approve }
      : { decision: rules.reject, reject_reason: entry.rejectForm?.reason || "", comment: entry.rejectForm?.comment.trim() || "" };
    if (kind === "reject" && !request.reject_reason) return;
    // An attempt keeps its idempotency key until the platform answers, so that
    // retrying after a lost reply cannot record the decision twice.
    if (!entry.attempt || JSON.stringify(entry.attempt.request) !== JSON.stringify(request)) {
      entry.attempt = { key: newIdempotencyKey(), request };
    }
    const { key } = entry.attempt;
    const { signal } = this.controller;
    entry.busy = kind;
    this.clearError();
    this.renderRow(returnId, kind === "approve" ? "accept" : "confirm");
    try {
      const data = await this.call(`returns/${encodeURIComponent(returnId)}/${kind}`, { ...request, idempotency_key: key }, signal);
      if (signal.aborted) return;
      entry.attempt = null;
      entry.busy = false;
      entry.rejectForm = null;
      entry.order = {
        ...entry.order,
        return_status: data.return_status,
        update_time: data.decided_at,
        seller_next_action_response: [],
        seller_decision: {
          decision: data.decision,
          decided_at: data.decided_at,
          reject_reason: request.reject_reason || null,
          reject_reason_text: this.reasonText(entry.order, request.reject_reason),
          comment: request.comment || "",
        },
      };
      this.setNotice(`Order ${entry.order.order_id}: ${DECISION_DONE[data.decision] || "Decision recorded"}.`);
      this.renderRow(returnId);
      this.report({ code: 0, return_id: returnId, decision: data.decision });
    } catch (error) {
      if (signal.aborted) return;
      entry.busy = false;
      if (error.code === RETURN_NOT_PENDING || error.code === RETURN_NOT_FOUND) {
        entry.attempt = null;
        entry.rejectForm = null;
        this.showError(this.forOrder(entry, error));
        this.refreshRows([returnId]);
      } else {
        this.showError(this.forOrder(entry, error), () => this.decide(returnId, kind));
      }
      // Back to the button that was pressed, if the keyboard focus is still in this row.
      const focusKey = this.rowElements.get(returnId)?.contains(document.activeElement)
        ? (kind === "approve" ? "accept" : "confirm") : undefined;
      this.renderRow(returnId, focusKey);
      if (error.fromPlatform) this.report({ code: error.code, return_id: returnId, decision: request.decision });
    }
  }

  reasonText(order, name) {
    if (!name) return null;
    const reasons = this.reasonCache.get(`${order.return_type}:${order.return_status}`) || [];
    return reasons.find((r) => r.name === name)?.text || name;
  }

  /** Tell the app about a decision's outcome; the app's callback cannot break the widget. */
  report(result) {
    const { onResult } = this.props;
    if (typeof onResult !== "function") return;
    try {
      const returned = onResult(result);
      if (returned && typeof returned.then === "function") {
        returned.then(undefined, (error) => console.warn("ManageReturns: onResult failed:", error));
      }
    } catch (error) {
      console.warn("ManageReturns: onResult failed:", error);
    }
  }

  /** The same error, saying what could not be done for which order. */
  forOrder(entry, error, what = "record the decision") {
    if (!(error instanceof WidgetError)) return error;
    return new WidgetError(error.code,
      `Could not ${what} for order ${entry.order.order_id}: ${error.message}`,
      { retryable: error.retryable, fromPlatform: error.fromPlatform });
  }

  // -- user actions ------------------------------------------------------------

  handleClick(event) {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled || !this.root.contains(button)) return;
    const returnId = button.closest("[data-return-id]")?.dataset.returnId;
    switch (button.dataset.action) {
      case "accept":
        this.decide(returnId, "approve");
        break;
      case "reject-open":
        this.openRejectForm(returnId);
        break;
      case "reject-cancel":
        this.closeRejectForm(returnId);
        break;
      case "retry":
        this.retry();
        break;
      case "load-more":
        this.load({ more: true });
        break;
      case "refresh":
        this.setNotice("");
        this.load();
        break;
    }
  }

  handleChange(event) {
    const target = event.target;
    if (target === this.filterSelect) {
      this.filter = target.value;
      this.setNotice("");
      this.load();
    } else if (target.dataset.control === "reason") {
      const entry = this.entries.get(target.closest("[data-return-id]").dataset.returnId);
      if (!entry?.rejectForm) return;
      entry.rejectForm.reason = target.value;
      const confirm = target.form.querySelector("[data-control=confirm]");
      confirm.disabled = !target.value || Boolean(entry.busy);
    }
  }

  handleInput(event) {
    const target = event.target;
    if (target.dataset.control !== "comment") return;
    const entry = this.entries.get(target.closest("[data-return-id]").dataset.returnId);
    if (!entry?.rejectForm) return;
    entry.rejectForm.comment = target.value;
    target.form.querySelector(".tsw-mr-counter").textContent = `${target.value.length}/${MAX_COMMENT_LENGTH}`;
  }

  handleSubmit(event) {
    event.preventDefault(); // the widget never navigates the ISV's page
    const row = event.target.closest("[data-return-id]");
    if (row) this.decide(row.dataset.returnId, "reject");
  }

  handleKeydown(event) {
    if (event.key !== "Escape") return;
    const row = event.target.closest?.("[data-return-id]");
    const entry = row && this.entries.get(row.dataset.returnId);
    if (entry?.rejectForm && !entry.busy) this.closeRejectForm(row.dataset.returnId);
  }

  openRejectForm(returnId) {
    const entry = this.entries.get(returnId);
    if (!entry) return;
    if (!entry.rejectForm) {
      entry.rejectForm = { reasons: null, reasonsFailed: false, reason: "", comment: "" };
      this.renderRow(returnId, "reason");
      this.loadReasons(returnId);
    } else {
      this.rowElements.get(returnId)?.querySelector("[data-control=reason]")?.focus();
    }
  }

  closeRejectForm(returnId) {
    const entry = this.entries.get(returnId);
    if (!entry || entry.busy) return;
    entry.rejectForm = null;
    this.renderRow(returnId, "reject");
  }

  retry() {
    const retry = this.error?.retry;
    this.clearError();
    this.renderMessages(); // removes the Retry button, and with it the focus
    if (retry) retry();
    // The retried step may have moved the focus (to its row); if not, the heading.
    if (this.focusIsLost()) this.title.focus();
  }

  tick() {
    for (const element of this.root.querySelectorAll(".tsw-mr-time-left")) {
      const { text, urgency } = timeLeft(Number(element.dataset.deadline));
      element.textContent = text;
      element.className = timeLeftClass(urgency);
    }
  }

  // -- messages ----------------------------------------------------------------

  showError(error, retry) {
    if (isAbort(error)) return;
    const shown = error instanceof WidgetError
      ? error
      : new WidgetError("widget_error", `Something went wrong in the widget: ${describe(error)}`, { retryable: true });
    this.error = { error: shown, retry: shown.retryable ? retry : null };
    this.renderMessages();
  }

  clearError() {
    this.error = null;
  }

  setNotice(text) {
    this.notice = text;
    this.renderMessages();
  }

  // -- rendering ---------------------------------------------------------------

  newEntry(order) {
    return { order, busy: false, attempt: null, rejectForm: null };
  }

  buildFrame() {
    const filterId = `${this.idPrefix}-filter`;
    this.filterSelect = h("select", { id: filterId, className: "tsw-mr-select", "data-testid": "mr-filter" },
      FILTERS.map((f) => h("option", { value: f.value }, f.label)));
    this.filterSelect.value = this.filter;
    // The live region itself is always rendered, only the line inside it is hidden
    // when there is no notice: screen readers ignore live regions that appear with
    // their text (display: none until then), and would not announce the first notice.
    this.noticeLine = h("p", { className: "tsw-mr-notice", "data-testid": "mr-notice", hidden: true });
    this.title = h("h2", { className: "tsw-mr-title", tabindex: "-1" }, "Returns & refunds");
    this.messages = h("div", { className: "tsw-mr-messages" });
    this.list = h("ul", { className: "tsw-mr-list", role: "list", "aria-label": "Return and refund requests" });
    this.footer = h("div", { className: "tsw-mr-footer" });
    // The root is the CSS container the layout adapts to (the host's container, not
    // the viewport); the frame inside it holds the padding, which adapts too.
    this.root = h("section", { className: "tsw-mr-root", "data-testid": "mr-root", "aria-label": "Returns and refunds" },
      h("style", {}, STYLES),
      h("div", { className: "tsw-mr-frame" },
        h("header", { className: "tsw-mr-header" },
          this.title,
          h("div", { className: "tsw-mr-toolbar" },
            h("label", { for: filterId, className: "tsw-mr-filter-label" }, "Show"),
            this.filterSelect,
            h("button", { type: "button", className: "tsw-mr-button", "data-action": "refresh", "data-testid": "mr-refresh" }, "Refresh"))),
        h("div", { className: "tsw-mr-live", role: "status", "aria-live": "polite" }, this.noticeLine),
        this.messages,
        h("div", { className: "tsw-mr-columns", "aria-hidden": "true" },
          ["Order", "Items", "Refund", "Status", "Buyer's reason", ""].map((title) => h("span", {}, title))),
        this.list,
        this.footer));
  }

  renderMessages() {
    this.noticeLine.textContent = this.notice;
    this.noticeLine.hidden = !this.notice;
    const parts = [];
    if (this.error) {
      const { error, retry } = this.error;
      parts.push(h("div", { className: "tsw-mr-error", role: "alert", "data-testid": "mr-error", "data-code": String(error.code) },
        h("span", {}, error.message),
        retry && h("button", { type: "button", className: "tsw-mr-button", "data-action": "retry", "data-testid": "mr-retry" }, "Retry")));
    }
    if (this.loading) {
      parts.push(h("p", { className: "tsw-mr-loading", role: "status", "data-testid": "mr-loading" },
        h("span", { className: "tsw-mr-spinner", "aria-hidden": "true" }), "Loading return and refund requests…"));
    } else if (!this.error && this.entries.size === 0) {
      const filter = FILTERS.find((f) => f.value === this.filter);
      parts.push(h("p", { className: "tsw-mr-empty", "data-testid": "mr-empty" },
        this.filter === DEFAULT_FILTER
          ? "Nothing is waiting for your response. New requests will show up here."
          : `No requests in “${filter.label}”.`));
    }
    this.messages.replaceChildren(...parts);

    const footer = [];
    if (!this.loading && this.entries.size > 0) {
      footer.push(h("span", { className: "tsw-mr-count", "data-testid": "mr-count" },
        `Showing ${this.entries.size} of ${Math.max(this.totalCount, this.entries.size)} requests`));
    }
    if (!this.loading && this.nextPageToken) {
      footer.push(h("button", { type: "button", className: "tsw-mr-button", "data-action": "load-more", "data-testid": "mr-load-more", disabled: this.loadingMore },
        this.loadingMore ? "Loading…" : "Show more"));
    }
    this.footer.replaceChildren(...footer);
  }

  renderList() {
    // Rebuilding the rows must not drop the keyboard focus of someone working in one.
    const focused = [...this.rowElements].find(([, row]) => row.contains(document.activeElement));
    const control = focused && document.activeElement.dataset.control;
    this.rowElements.clear();
    const rows = [];
    for (const returnId of this.entries.keys()) {
      const row = this.buildRow(returnId);
      this.rowElements.set(returnId, row);
      rows.push(row);
    }
    this.list.replaceChildren(...rows);
    if (focused && this.rowElements.has(focused[0])) this.focusInRow(this.rowElements.get(focused[0]), control);
  }

  /** Rebuild one row in place; focus goes to `focusKey`, else stays where it was. */
  renderRow(returnId, focusKey) {
    const old = this.rowElements.get(returnId);
    if (!old || !this.entries.has(returnId)) return;
    const hadFocus = old.contains(document.activeElement);
    const active = hadFocus ? document.activeElement.dataset.control : null;
    const row = this.buildRow(returnId);
    old.replaceWith(row);
    this.rowElements.set(returnId, row);
    if (focusKey || hadFocus) this.focusInRow(row, focusKey || active);
  }

  /** Focus a row's control; when it is disabled (busy) or gone (decided), the row
   * itself, so that keyboard focus never falls back to the top of the page. */
  focusInRow(row, control) {
    const target = control && row.querySelector(`[data-control="${control}"]:not([disabled])`);
    if (target) {
      target.focus();
    } else {
      row.tabIndex = -1;
      row.focus();
    }
  }

  buildRow(returnId) {
    const entry = this.entries.get(returnId);
    const { order } = entry;
    const formats = this.formats;
    const when = (seconds) => formats.date(seconds);

    const rules = decisionRules(order);
    const deadline = rules ? deadlineOf(order) : null;
    const refund = order.refund_amount || {};
    const items = Array.isArray(order.return_line_items) ? order.return_line_items : [];
    const cellLabel = (text) => h("span", { className: "tsw-mr-cell-label" }, text);

    const stateCell = h("div", { className: "tsw-mr-cell tsw-mr-cell-state" }, cellLabel("Status"),
      h("span", { className: `tsw-mr-status tsw-mr-status-${String(order.return_status).toLowerCase()}`, "data-testid": "mr-status" },
        STATUS_LABELS[order.return_status] || String(order.return_status)));
    if (deadline !== null) {
      const left = timeLeft(deadline);
      stateCell.append(h("span", {
        className: timeLeftClass(left.urgency),
        "data-testid": "mr-time-left",
        "data-deadline": deadline,
        title: `Respond by ${when(deadline)}`,
      }, left.text));
    }

    const actions = h("div", { className: "tsw-mr-actions" });
    if (rules) {
      const busy = entry.busy;
      // Every row has an Accept and a Reject: their names say which request they act
      // on, starting with the visible word so that speech input still finds them.
      const target = `${rules.subject} for order ${order.order_id}`;
      actions.append(
        h("button", {
          type: "button", className: "tsw-mr-button tsw-mr-primary", "data-action": "accept", "data-control": "accept",
          "data-testid": "mr-accept", title: rules.acceptHint, disabled: Boolean(busy),
          "aria-label": `${busy === "approve" ? "Accepting" : "Accept"} ${target}`,
        }, busy === "approve" ? "Accepting…" : "Accept"),
        h("button", {
          type: "button", className: "tsw-mr-button", "data-action": "reject-open", "data-control": "reject",
          "data-testid": "mr-reject", "aria-expanded": entry.rejectForm ? "true" : "false",
          "aria-controls": entry.rejectForm ? `${this.idPrefix}-${returnId}-form` : null,
          disabled: Boolean(busy), "aria-label": `Reject ${target}`,
        }, "Reject"));
    }

    const row = h("li", {
      className: "tsw-mr-row", "data-testid": "mr-row", "data-return-id": order.return_id,
      "data-status": order.return_status, "aria-busy": entry.busy ? "true" : "false",
    },
    h("div", { className: "tsw-mr-cell tsw-mr-cell-order" }, cellLabel("Order"),
      h("span", { className: "tsw-mr-strong tsw-mr-id", "data-testid": "mr-order-id" }, String(order.order_id)),
      h("span", { className: "tsw-mr-muted" }, `Return ${order.return_id}`),
      h("span", { className: "tsw-mr-muted" }, `Requested ${when(order.create_time)}`)),
    h("div", { className: "tsw-mr-cell tsw-mr-cell-items" }, cellLabel("Items"),
      h("ul", { className: "tsw-mr-items" }, groupItems(items).map(({ item, quantity }) => h("li", { "data-testid": "mr-item" },
        h("span", { className: "tsw-mr-strong" }, quantity > 1 ? `${quantity} × ${item.product_name}` : String(item.product_name)),
        h("span", { className: "tsw-mr-muted" }, `${item.sku_name} · SKU ${item.seller_sku}`))))),
    h("div", { className: "tsw-mr-cell tsw-mr-cell-refund" }, cellLabel("Refund"),
      h("span", { className: "tsw-mr-strong", "data-testid": "mr-refund" },
        order.return_type === "REPLACEMENT" ? "No refund" : formats.money(refund.refund_total, refund.currency)),
      h("span", { className: "tsw-mr-muted", "data-testid": "mr-type" }, TYPE_LABELS[order.return_type] || String(order.return_type))),
    stateCell,
    h("div", { className: "tsw-mr-cell tsw-mr-cell-reason" }, cellLabel("Buyer's reason"),
      h("span", { className: "tsw-mr-reason", "data-testid": "mr-reason" }, String(order.return_reason_text || ""))),
    actions);

    if (order.seller_decision) row.append(this.buildDecisionLine(order.seller_decision, when));
    if (rules && entry.rejectForm) row.append(this.buildRejectForm(returnId, entry, rules));
    return row;
  }

  buildDecisionLine(decision, when) {
    const parts = [DECISION_HISTORY[decision.decision] || String(decision.decision)];
    if (decision.reject_reason_text) parts.push(`: ${decision.reject_reason_text}`);
    parts.push(` · ${when(decision.decided_at)}`);
    if (decision.comment) parts.push(` · “${decision.comment}”`);
    return h("p", { className: "tsw-mr-decision", "data-testid": "mr-decision" }, parts.join(""));
  }

  buildRejectForm(returnId, entry, rules) {
    const form = entry.rejectForm;
    const base = `${this.idPrefix}-${returnId}`;
    const reasonsLoaded = Array.isArray(form.reasons);
    const busy = entry.busy === "reject";
    const select = h("select", {
      id: `${base}-reason`, className: "tsw-mr-select", required: true, "data-control": "reason",
      "data-testid": "mr-reject-reason", disabled: !reasonsLoaded || busy,
    },
    h("option", { value: "" },
      reasonsLoaded ? "Choose a reason…" : form.reasonsFailed ? "Reasons could not be loaded" : "Loading reasons…"),
    (form.reasons || []).map((reason) => h("option", { value: reason.name }, reason.text)));
    select.value = form.reason;
    const comment = h("textarea", {
      id: `${base}-comment`, className: "tsw-mr-textarea", rows: 2, maxlength: MAX_COMMENT_LENGTH,
      "data-control": "comment", "data-testid": "mr-reject-comment", disabled: busy,
    });
    comment.value = form.comment;
    const target = `${rules.subject} for order ${entry.order.order_id}`;
    return h("form", { id: `${base}-form`, className: "tsw-mr-reject-form", "aria-label": `Reject ${target}` },
      h("div", { className: "tsw-mr-field" },
        h("label", { for: `${base}-reason` }, "Reason for rejecting"), select),
      h("div", { className: "tsw-mr-field" },
        h("label", { for: `${base}-comment` }, "Comment for the buyer (optional)"), comment,
        h("span", { className: "tsw-mr-counter tsw-mr-muted", "aria-hidden": "true" }, `${form.comment.length}/${MAX_COMMENT_LENGTH}`)),
      h("div", { className: "tsw-mr-form-buttons" },
        h("button", {
          type: "submit", className: "tsw-mr-button tsw-mr-danger", "data-control": "confirm",
          "data-testid": "mr-reject-confirm", disabled: busy || !form.reason,
          "aria-label": busy ? `Rejecting ${target}` : `Confirm rejection of ${target}`,
        }, busy ? "Rejecting…" : "Confirm rejection"),
        h("button", {
          type: "button", className: "tsw-mr-button", "data-action": "reject-cancel", "data-control": "cancel",
          "data-testid": "mr-reject-cancel", disabled: busy, "aria-label": `Cancel rejecting ${target}`,
        }, "Cancel")));
  }
}

/** The content object widget-kit drives: one per widget name per widget-kit core. */
class ManageReturnsContent {
  constructor() {
    this.view = null;
  }

  mount({ container, props }) {
    if (!container || container.nodeType !== Node.ELEMENT_NODE) {
      throw new TypeError("ManageReturns.mount needs a container element.");
    }
    // Shared content: a new mount replaces the one before, wherever it was.
    this.unmount();
    this.view = new ReturnsView(container, props || {});
  }

  update(props) {
    // Before mount there is nothing to update: mount() gets the complete props.
    if (this.view) this.view.setProps(props || {});
  }

  unmount() {
    if (this.view) {
      this.view.destroy();
      this.view = null;
    }
  }
}

export default function createManageReturns() {
  return new ManageReturnsContent();
}

/*
 * The layout follows the width of the container the host page gives the widget,
 * not the viewport's: the root is a CSS size container and the rules below are
 * container queries, smallest layout first (so a browser without container
 * queries still gets a layout that fits: the one-column list). Widths are in em
 * of the widget's 14px text (container queries measure em in the root's font):
 *
 *   below 20em    one column: every field under the one before
 *   20em - 33em   one column, refund and status side by side
 *   33em - 48em   two columns
 *   48em - 68em   three columns
 *   68em and up   the table: column headings, one line per request; from 80em
 *                 Accept and Reject side by side instead of one above the other
 *
 * Every row is its own grid, so the table's tracks are fixed sizes that line up
 * with the headings (both in the same 14px font: em tracks); their minimums, with
 * the gaps and paddings, add up to a little less than the 68em the table starts at.
 */
const STYLES = `
.tsw-mr-root {
  --tsw-mr-text: #161823; --tsw-mr-muted: #6b6d75; --tsw-mr-border: #e3e3e4; --tsw-mr-control: #8a8b91;
  --tsw-mr-surface: #ffffff; --tsw-mr-subtle: #f7f7f8; --tsw-mr-primary: #d91c43;
  --tsw-mr-primary-dark: #b3163a; --tsw-mr-danger: #b42318; --tsw-mr-focus: #1f6feb;
  container: tsw-mr / inline-size;
  display: block; box-sizing: border-box; max-width: 100%; color: var(--tsw-mr-text); background: var(--tsw-mr-surface);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  text-align: left;
}
.tsw-mr-root *, .tsw-mr-root *::before, .tsw-mr-root *::after { box-sizing: inherit; }
.tsw-mr-root [hidden] { display: none !important; }
.tsw-mr-frame { padding: 12px 12px 16px; }
.tsw-mr-header {
  display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; justify-content: space-between;
  /* Reset what a host page's own "header { ... }" rule would add (native.html has one). */
  margin: 0 0 12px; padding: 0; border: 0; background: none; position: static;
}
.tsw-mr-title { margin: 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.tsw-mr-toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; flex: 1 1 100%; min-width: 0; }
.tsw-mr-toolbar .tsw-mr-select { flex: 1 1 auto; min-width: 0; }
.tsw-mr-filter-label { color: var(--tsw-mr-muted); }
.tsw-mr-select, .tsw-mr-textarea {
  font: inherit; color: inherit; background: #fff; border: 1px solid var(--tsw-mr-control); border-radius: 6px;
  padding: 6px 8px; max-width: 100%;
}
.tsw-mr-textarea { width: 100%; resize: vertical; min-height: 2.6em; }
.tsw-mr-button {
  font: inherit; font-weight: 500; color: var(--tsw-mr-text); background: #fff; border: 1px solid var(--tsw-mr-control);
  border-radius: 6px; padding: 6px 14px; min-height: 34px; cursor: pointer; white-space: nowrap;
}
.tsw-mr-button:hover:not(:disabled) { background: var(--tsw-mr-subtle); }
.tsw-mr-button:disabled { opacity: .55; cursor: not-allowed; }
.tsw-mr-primary { color: #fff; background: var(--tsw-mr-primary); border-color: var(--tsw-mr-primary); }
.tsw-mr-primary:hover:not(:disabled) { background: var(--tsw-mr-primary-dark); }
.tsw-mr-danger { color: #fff; background: var(--tsw-mr-danger); border-color: var(--tsw-mr-danger); }
.tsw-mr-danger:hover:not(:disabled) { background: #912018; }
.tsw-mr-root :focus-visible { outline: 2px solid var(--tsw-mr-focus); outline-offset: 2px; }
.tsw-mr-row:focus-visible, .tsw-mr-title:focus-visible { outline-offset: -2px; border-radius: 4px; }
.tsw-mr-notice {
  margin: 0 0 12px; padding: 8px 12px; border: 1px solid #abefc6; border-radius: 6px;
  background: #ecfdf3; color: #05603a; overflow-wrap: anywhere;
}
.tsw-mr-error {
  display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; justify-content: space-between; margin: 0 0 12px;
  padding: 10px 12px; border: 1px solid #fecdca; border-radius: 6px; background: #fef3f2; color: var(--tsw-mr-danger);
}
.tsw-mr-error > span { flex: 1 1 16em; min-width: 0; overflow-wrap: anywhere; }
.tsw-mr-loading, .tsw-mr-empty { margin: 0; padding: 32px 12px; text-align: center; color: var(--tsw-mr-muted); }
.tsw-mr-spinner {
  display: inline-block; width: 14px; height: 14px; margin-right: 8px; vertical-align: -2px;
  border: 2px solid #d0d1d4; border-top-color: var(--tsw-mr-primary); border-radius: 50%;
  animation: tsw-mr-spin .8s linear infinite;
}
@keyframes tsw-mr-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .tsw-mr-spinner { animation-duration: 3s; } }
.tsw-mr-columns { display: none; }
.tsw-mr-list { list-style: none; margin: 0; padding: 0; }
.tsw-mr-row {
  display: grid; gap: 12px 16px; align-items: start; padding: 14px 12px; border-bottom: 1px solid var(--tsw-mr-border);
  grid-template-columns: minmax(0, 1fr);
  grid-template-areas: "order" "items" "refund" "state" "reason" "actions";
}
.tsw-mr-row[aria-busy="true"] { background: #fcfcfd; }
.tsw-mr-cell-order { grid-area: order; }
.tsw-mr-cell-items { grid-area: items; }
.tsw-mr-cell-refund { grid-area: refund; }
.tsw-mr-cell-state { grid-area: state; }
.tsw-mr-cell-reason { grid-area: reason; }
.tsw-mr-actions { grid-area: actions; }
.tsw-mr-cell { display: flex; flex-direction: column; gap: 2px; min-width: 0; overflow-wrap: anywhere; }
.tsw-mr-cell-label { color: var(--tsw-mr-muted); font-size: 12px; font-weight: 600; text-transform: uppercase; }
.tsw-mr-strong { font-weight: 600; }
.tsw-mr-id { font-variant-numeric: tabular-nums; }
.tsw-mr-muted { color: var(--tsw-mr-muted); font-size: 13px; }
.tsw-mr-items { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.tsw-mr-items li { display: flex; flex-direction: column; }
.tsw-mr-status {
  align-self: flex-start; max-width: 100%; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  background: #f2f4f7; color: #344054;
}
.tsw-mr-status-return_or_refund_request_pending { background: #fffaeb; color: #b54708; }
.tsw-mr-status-buyer_shipped_item { background: #eff8ff; color: #175cd3; }
.tsw-mr-status-awaiting_buyer_ship { background: #f4f3ff; color: #5925dc; }
.tsw-mr-status-return_or_refund_request_success,
.tsw-mr-status-return_or_refund_request_complete { background: #ecfdf3; color: #067647; }
.tsw-mr-status-return_or_refund_request_reject { background: #fef3f2; color: #b42318; }
.tsw-mr-time-left { font-size: 13px; color: var(--tsw-mr-muted); }
.tsw-mr-time-left.tsw-mr-soon { color: #b54708; font-weight: 600; }
.tsw-mr-time-left.tsw-mr-overdue { color: var(--tsw-mr-danger); font-weight: 600; }
.tsw-mr-reason { white-space: pre-line; }
.tsw-mr-actions { display: flex; flex-wrap: wrap; gap: 8px; justify-content: flex-start; min-width: 0; }
.tsw-mr-decision, .tsw-mr-reject-form { grid-column: 1 / -1; margin: 0; min-width: 0; overflow-wrap: anywhere; }
.tsw-mr-decision { color: var(--tsw-mr-muted); font-size: 13px; }
.tsw-mr-reject-form {
  display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; align-items: end;
  padding: 12px; border: 1px solid var(--tsw-mr-border); border-radius: 8px; background: var(--tsw-mr-subtle);
}
.tsw-mr-field { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.tsw-mr-field label { font-weight: 500; }
.tsw-mr-field .tsw-mr-select { width: 100%; }
.tsw-mr-counter { align-self: flex-end; font-size: 12px; }
.tsw-mr-form-buttons { display: flex; flex-wrap: wrap; gap: 8px; }
.tsw-mr-footer { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 12px; padding-top: 12px; }
.tsw-mr-count { color: var(--tsw-mr-muted); }
@container tsw-mr (min-width: 20em) {
  .tsw-mr-row {
    grid-template-columns: repeat(2, minmax(0, 1fr));
    grid-template-areas: "order order" "items items" "refund state" "reason reason" "actions actions";
  }
}
@container tsw-mr (min-width: 33em) {
  .tsw-mr-frame { padding: 16px 20px 20px; }
  .tsw-mr-toolbar { flex: 0 1 auto; }
  .tsw-mr-row { grid-template-areas: "order items" "refund state" "reason reason" "actions actions"; }
}
@container tsw-mr (min-width: 40em) {
  .tsw-mr-reject-form { grid-template-columns: minmax(0, 1fr) minmax(0, 1.5fr); }
  .tsw-mr-form-buttons { grid-column: 1 / -1; }
}
@container tsw-mr (min-width: 48em) {
  .tsw-mr-row {
    grid-template-columns: repeat(3, minmax(0, 1fr));
    grid-template-areas: "order items refund" "state reason reason" "actions actions actions";
  }
}
@container tsw-mr (min-width: 68em) {
  .tsw-mr-frame { --tsw-mr-actions-width: 8em; }
  .tsw-mr-columns, .tsw-mr-row {
    display: grid; gap: 12px;
    grid-template-columns: minmax(13.5em, 1.2fr) minmax(10em, 1.8fr) minmax(6.5em, .9fr) minmax(9.5em, 1.2fr)
      minmax(10.5em, 1.8fr) var(--tsw-mr-actions-width);
  }
  .tsw-mr-row { grid-template-areas: "order items refund state reason actions"; }
  .tsw-mr-columns { padding: 8px 12px; border-radius: 6px 6px 0 0; background: var(--tsw-mr-subtle); }
  /* The smaller text goes on the headings, not on the grid: its em tracks must match the rows'. */
  .tsw-mr-columns > span {
    color: var(--tsw-mr-muted); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .02em;
  }
  .tsw-mr-cell-label {
    position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
    overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
  }
  .tsw-mr-actions { flex-direction: column; align-items: stretch; }
  .tsw-mr-actions .tsw-mr-button { padding-left: 10px; padding-right: 10px; }
  .tsw-mr-reject-form { grid-template-columns: minmax(0, 1fr) minmax(0, 1.5fr) auto; }
  .tsw-mr-form-buttons { grid-column: auto; }
}
@container tsw-mr (min-width: 80em) {
  .tsw-mr-frame { --tsw-mr-actions-width: 11.5em; }
  .tsw-mr-actions { flex-direction: row; justify-content: flex-end; }
  .tsw-mr-actions .tsw-mr-button { padding-left: 14px; padding-right: 14px; }
}
@media (forced-colors: active) {
  .tsw-mr-status, .tsw-mr-notice, .tsw-mr-error { border: 1px solid CanvasText; }
}
`;
