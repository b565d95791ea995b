/* labctl's live shared data in the browser: this participant's batch, group and study documents,
   kept in sync over the page's WebSocket /p/<code>/shared. No build step, no CDN: add it to a
   page template with

     {% block scripts %}
     <script src="{{ url_for('static', filename='labctl-shared.js') }}" defer></script>
     <script src="{{ url_for('static', filename='labctl-chat.js') }}" defer></script>
     {% endblock %}

   The page's CSP allows scripts from labctl's static folder only (no inline script): a script
   that uses this API is a file there, like labctl-chat.js, the chat widget built on it.

   API
   ---
   var live = labctl.shared.connect({
     stores: ["group", "batch", "study"],   // which documents to follow (default: all three)
     onState: function (state) {},          // "open" (connected, every store has its
                                            // snapshot), "reconnecting" or "closed"
     onError: function (message, store) {}  // a request the server refused (optional)
   });

   live.group, live.batch, live.study       one store per name in `stores`, each with:
     .get()                                 a copy of the document ({} until the first snapshot)
     .version                               its version (0: never written)
     .ready                                 true once the first snapshot has arrived
     .closed                                true when the server keeps it read-only
     .set(path, value, [done])              JSON Patch "add" at a JSON Pointer path: creates or
                                            replaces an object member ("/choices/1"), inserts
                                            into an array ("/log/-" appends)
     .remove(path, [done])                  JSON Patch "remove"
     .patch(ops, [done])                    RFC 6902 operations: add, remove, replace, move,
                                            copy, test
     .replace(doc, [done])                  the whole document
     .onChange(function (doc, patch, version, author) {})
                                            every new version, from this page or another; the
                                            first snapshot (and any resync) comes with patch and
                                            author null
     .onConflict(function (doc, version, failedOps) {})
                                            a change of this page that was finally refused, with
                                            the current document; a refused replace comes as
                                            [{"op": "replace", "path": "", "value": doc}]
     .onError(function (message, failedOps) {})   a change or message the server refused
     .send(body, [to], [done])              a message (any JSON) to the group, or with `to` (an
                                            id_in_group) to one member; on "batch" to everyone
                                            in the batch. Not data: logged, not kept in the doc.
                                            Returns its client id (cid). Kept and re-sent after
                                            a reconnect until the server answers (the server
                                            delivers a cid once); done(null, {message_id, gone})
                                            once stored (gone: members who have moved on and
                                            will not see it), done(error) if refused
     .onMessage(function (from, body, direct, meta) {})  from: {label, id_in_session,
                                            id_in_group, role}; direct: true for a message to
                                            this member only; meta: {mid, cid}
     .history(function (messages) {})       the newest messages this page may see (to all, to
                                            this participant, from them), oldest first, each
                                            {mid, from, body, direct, mine, cid}; null when not
                                            connected
   live.state()                             "connecting", "open", "reconnecting" or "closed"
   live.reconnect()                         try to connect now rather than after the back-off
   live.close()                             stop for good (queued changes are reported as errors)
   labctl.shared.applyPatch(doc, ops)       the RFC 6902 implementation used here (returns a
                                            new document, throws on a failed operation)

   `done(error, version)` is called once per change: error null when it was accepted, once get()
   shows it (version is the version it made; onChange has been called for it), or else
   {conflict: true | false, message, doc, version}.

   The conflict rule
   -----------------
   A change is sent with the version this page last saw. If anyone changed the document in the
   meantime, the server refuses it ("conflict") and sends the current version and document: the
   store takes them and re-sends a path-based change (set, remove, patch) on the new version, up
   to 3 times, then reports it to onConflict. A replace is never re-sent (it would overwrite
   what the other wrote): it goes to onConflict at once. A failed "test" operation is a refusal
   too, reported at once. Changes are sent one at a time per store, in the order they were made.

   Connection: reconnects after 1 s, 2 s, 4 s ... up to 30 s, subscribes again and sends every
   change made while disconnected. A change that was on its way when the connection dropped is
   sent again on the version it was made on, so it can never apply twice: if the document has
   moved on and the change is not already in it, it is reported to onConflict instead of being
   guessed. Every change ends in exactly one of: accepted, onConflict, onError.
*/
(function () {
  "use strict";

  var SCOPES = ["group", "batch", "study"];
  var MAX_RETRIES = 3;
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var PING_MS = 20000;
  // the server pings every 20 s: this much silence means the connection is dead
  var SILENCE_MS = 65000;
  // an accepted change is followed by its broadcast; if that never comes, ask for a snapshot
  var ECHO_MS = 3000;
  // changes can arrive out of order; a missing one that has not come by then means a snapshot
  var GAP_MS = 1000;

  // -- JSON and RFC 6902 JSON Patch ------------------------------------------------------------

  function copy(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function equal(a, b) {
    if (a === b) { return true; }
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) { return false; }
      for (var i = 0; i < a.length; i += 1) { if (!equal(a[i], b[i])) { return false; } }
      return true;
    }
    if (isObject(a) && isObject(b)) {
      var keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) { return false; }
      for (var k = 0; k < keys.length; k += 1) {
        if (!has(b, keys[k]) || !equal(a[keys[k]], b[keys[k]])) { return false; }
      }
      return true;
    }
    return false;
  }

  function PatchError(message, testFailed) {
    this.name = "PatchError";
    this.message = message;
    this.testFailed = !!testFailed;
  }
  PatchError.prototype = Object.create(Error.prototype);

  function tokens(path) {
    if (path === "") { return []; }
    if (typeof path !== "string" || path.charAt(0) !== "/") {
      throw new PatchError("a path must be \"\" or start with /: " + JSON.stringify(path));
    }
    return path.substring(1).split("/").map(function (token) {
      return token.replace(/~1/g, "/").replace(/~0/g, "~");
    });
  }

  function arrayIndex(array, token, inserting) {
    if (inserting && token === "-") { return array.length; }
    if (!/^(0|[1-9][0-9]*)$/.test(token)) { throw new PatchError("not an array index: " + token); }
    var index = parseInt(token, 10);
    if (index > array.length || (!inserting && index === array.length)) {
      throw new PatchError("array index out of range: " + token);
    }
    return index;
  }

  function setMember(object, key, value) {
    // a key such as "__proto__" must become a plain member, never the object's prototype
    Object.defineProperty(object, key, {value: value, writable: true, enumerable: true,
                                        configurable: true});
  }

  function container(doc, path) {
    var parts = tokens(path);
    if (!parts.length) { return null; }
    var node = doc;
    for (var i = 0; i < parts.length - 1; i += 1) {
      var token = parts[i];
      if (Array.isArray(node)) {
        node = node[arrayIndex(node, token, false)];
      } else if (isObject(node) && has(node, token)) {
        node = node[token];
      } else {
        throw new PatchError("no such path: " + path);
      }
    }
    if (!Array.isArray(node) && !isObject(node)) { throw new PatchError("no such path: " + path); }
    return {node: node, key: parts[parts.length - 1]};
  }

  function valueAt(doc, path) {
    var place = container(doc, path);
    if (place === null) { return doc; }
    if (Array.isArray(place.node)) { return place.node[arrayIndex(place.node, place.key, false)]; }
    if (!has(place.node, place.key)) { throw new PatchError("no such path: " + path); }
    return place.node[place.key];
  }

  function addAt(doc, path, value) {
    var place = container(doc, path);
    if (place === null) { return value; }
    if (Array.isArray(place.node)) {
      place.node.splice(arrayIndex(place.node, place.key, true), 0, value);
    } else {
      setMember(place.node, place.key, value);
    }
    return doc;
  }

  function removeAt(doc, path) {
    var place = container(doc, path);
    if (place === null) { throw new PatchError("cannot remove the whole document"); }
    if (Array.isArray(place.node)) {
      place.node.splice(arrayIndex(place.node, place.key, false), 1);
    } else {
      if (!has(place.node, place.key)) { throw new PatchError("no such path: " + path); }
      delete place.node[place.key];
    }
    return doc;
  }

  function applyPatch(doc, ops) {
    if (!Array.isArray(ops)) { throw new PatchError("a patch is a list of operations"); }
    var result = copy(doc);
    ops.forEach(function (op) {
      if (!isObject(op) || typeof op.op !== "string" || typeof op.path !== "string") {
        throw new PatchError("an operation needs op and path: " + JSON.stringify(op));
      }
      var needsValue = op.op === "add" || op.op === "replace" || op.op === "test";
      if (needsValue && !has(op, "value")) { throw new PatchError(op.op + " needs a value"); }
      var needsFrom = op.op === "move" || op.op === "copy";
      if (needsFrom && typeof op.from !== "string") { throw new PatchError(op.op + " needs from"); }
      switch (op.op) {
      case "add":
        result = addAt(result, op.path, copy(op.value));
        break;
      case "remove":
        result = removeAt(result, op.path);
        break;
      case "replace":
        valueAt(result, op.path);
        result = op.path === "" ? copy(op.value) : addAt(removeAt(result, op.path), op.path,
                                                        copy(op.value));
        break;
      case "move":
        if (op.path.indexOf(op.from + "/") === 0) {
          throw new PatchError("cannot move a value into itself: " + op.from);
        }
        if (op.path !== op.from) {
          var moved = valueAt(result, op.from);
          result = addAt(removeAt(result, op.from), op.path, moved);
        }
        break;
      case "copy":
        result = addAt(result, op.path, copy(valueAt(result, op.from)));
        break;
      case "test":
        if (!equal(valueAt(result, op.path), op.value)) {
          throw new PatchError("test failed at " + op.path, true);
        }
        break;
      default:
        throw new PatchError("unknown operation " + JSON.stringify(op.op));
      }
    });
    return result;
  }

  function checkOps(ops) {
    if (!Array.isArray(ops) || !ops.every(function (op) {
      return isObject(op) && typeof op.op === "string" && typeof op.path === "string";
    })) {
      throw new TypeError("labctl.shared: a patch is a list like [{op: \"add\", path: \"/x\", " +
                          "value: 1}]");
    }
  }

  // Calls the page's callbacks: one that throws must not stop the others, nor the store (its
  // error still shows in the console).
  function call(listeners, args) {
    listeners.slice().forEach(function (listener) {
      try {
        listener.apply(null, args);
      } catch (error) {
        window.setTimeout(function () { throw error; }, 0);
      }
    });
  }

  function finished(change, error, version) {
    if (change.done) { call([change.done], [error, version]); }
  }

  // -- one store: a document, its version and the changes on their way -------------------------

  function Store(connection, scope) {
    this.connection = connection;
    this.scope = scope;
    this.key = null;
    this.doc = {};
    this.version = 0;
    this.ready = false;
    this.closed = false;
    this.gone = false;
    this.resyncing = false;
    this.queue = [];        // changes not yet accepted or refused, oldest first
    this.inflight = null;   // the change sent and not yet answered
    this.waitingFor = 0;    // the version of our last accepted change, until its broadcast
    this.own = {};          // versions this page made: a later change may build on them
    this.settling = [];     // callbacks of accepted changes, until the store holds them
    this.echoTimer = null;
    this.early = {};        // changes that arrived ahead of their turn, by version
    this.gapTimer = null;
    this.listeners = {change: [], conflict: [], error: [], message: []};
  }

  Store.prototype.get = function () { return copy(this.doc); };
  Store.prototype.onChange = function (fn) { this.listeners.change.push(fn); return this; };
  Store.prototype.onConflict = function (fn) { this.listeners.conflict.push(fn); return this; };
  Store.prototype.onError = function (fn) { this.listeners.error.push(fn); return this; };
  Store.prototype.onMessage = function (fn) { this.listeners.message.push(fn); return this; };

  Store.prototype.set = function (path, value, done) {
    return this.patch([{op: "add", path: path, value: value}], done);
  };

  Store.prototype.remove = function (path, done) {
    return this.patch([{op: "remove", path: path}], done);
  };

  Store.prototype.patch = function (ops, done) {
    checkOps(ops);
    this.enqueue({kind: "patch", ops: copy(ops), done: done});
  };

  Store.prototype.replace = function (doc, done) {
    if (doc === undefined) { throw new TypeError("labctl.shared: replace needs a document"); }
    this.enqueue({kind: "replace", doc: copy(doc), done: done});
  };

  Store.prototype.send = function (body, to, done) {
    if (typeof to === "function") { done = to; to = undefined; }
    if (this.scope === "study") { throw new TypeError("labctl.shared: study data has no messages"); }
    return this.connection.message(this, body, to, done);
  };

  Store.prototype.history = function (callback) {
    if (this.scope === "study") { throw new TypeError("labctl.shared: study data has no messages"); }
    var request = {op: "history", store: this.scope};
    if (this.key !== null) { request.key = this.key; }
    if (!this.connection.isOpen()) { callback(null); return; }
    this.connection.request(request, {store: this, history: callback});
  };

  Store.prototype.enqueue = function (change) {
    change.madeOn = this.version;
    change.retries = 0;
    if (this.closed || this.gone || this.connection.stopped) {
      var self = this;
      window.setTimeout(function () {
        self.refuse(change, "this " + self.scope + " data is closed", false);
      }, 0);
      return;
    }
    this.queue.push(change);
    this.pump();
  };

  Store.prototype.failedOps = function (change) {
    return change.kind === "replace" ? [{op: "replace", path: "", value: change.doc}]
      : copy(change.ops);
  };

  // Send the oldest queued change, once the previous one is answered and seen.
  Store.prototype.pump = function () {
    if (this.inflight || !this.ready || this.resyncing || !this.queue.length ||
        !this.connection.isOpen() || this.version < this.waitingFor) {
      return;
    }
    var change = this.queue[0];
    var base = change.madeOn;
    if (change.lost) {
      base = change.sentOn;  // on the version it was sent on: it can never apply twice
    } else {
      while (this.own[base + 1]) { base += 1; }  // versions this page made itself
    }
    change.sentOn = base;
    var request = {op: change.kind, store: this.scope, version: base};
    if (this.key !== null) { request.key = this.key; }
    if (change.kind === "replace") { request.doc = change.doc; } else { request.patch = change.ops; }
    this.inflight = change;
    this.connection.request(request, {store: this, change: change});
  };

  Store.prototype.finish = function (change) {
    if (this.inflight === change) { this.inflight = null; }
    var at = this.queue.indexOf(change);
    if (at >= 0) { this.queue.splice(at, 1); }
  };

  Store.prototype.accepted = function (change, version) {
    this.finish(change);
    this.own[version] = true;
    if (version > this.waitingFor) { this.waitingFor = version; }
    this.settling.push({version: version, change: change});
    if (this.version < version) { this.expectEcho(); }
    this.settle();
    this.pump();
  };

  // done(null, version) once get() shows the change: after its broadcast (or a snapshot)
  Store.prototype.settle = function () {
    var version = this.version;
    var ready = this.settling.filter(function (item) { return item.version <= version; });
    this.settling = this.settling.filter(function (item) { return item.version > version; });
    ready.forEach(function (item) { finished(item.change, null, item.version); });
  };

  Store.prototype.expectEcho = function () {
    var self = this;
    window.clearTimeout(this.echoTimer);
    this.echoTimer = window.setTimeout(function () {
      if (self.version < self.waitingFor) { self.resync(); }
    }, ECHO_MS);
  };

  Store.prototype.refuse = function (change, message, conflict) {
    this.finish(change);
    var failed = this.failedOps(change);
    finished(change, {conflict: conflict, message: message, doc: this.get(),
                      version: this.version}, null);
    if (conflict) {
      call(this.listeners.conflict, [this.get(), this.version, failed]);
    } else {
      call(this.listeners.error, [message, failed]);
      this.connection.reportError(message, this.scope);
    }
    this.pump();
  };

  Store.prototype.conflicted = function (change, answer) {
    this.adopt(answer.doc, answer.version);
    this.inflight = null;
    if (change.lost) {
      // It was on its way when the connection dropped, and the document has moved on since:
      // either it applied then (the document holds it) or it is reported, never guessed.
      change.lost = false;
      if (this.holds(change)) {
        this.finish(change);
        finished(change, null, this.version);
        this.pump();
      } else {
        this.refuse(change, "the connection dropped while this change was sent", true);
      }
      return;
    }
    if (change.kind === "replace" || answer.reason === "test failed") {
      this.refuse(change, "refused: " + (answer.reason || "conflict"), true);
      return;
    }
    if (change.retries >= MAX_RETRIES) {
      this.refuse(change, "refused " + (MAX_RETRIES + 1) + " times: the document kept changing",
                  true);
      return;
    }
    change.retries += 1;
    change.madeOn = this.version;
    this.pump();
  };

  // Whether the document already is what the change would make it.
  Store.prototype.holds = function (change) {
    if (change.kind === "replace") { return equal(this.doc, change.doc); }
    try {
      return equal(applyPatch(this.doc, change.ops), this.doc);
    } catch (ignored) {
      return false;
    }
  };

  Store.prototype.failed = function (change, message) {
    this.inflight = null;
    this.refuse(change, message, false);
  };

  // The server's document, from a snapshot or a conflict.
  Store.prototype.adopt = function (doc, version) {
    if (version < this.version) { return; }
    var changed = version !== this.version;
    this.doc = doc;
    this.version = version;
    if (changed) { call(this.listeners.change, [this.get(), null, version, null]); }
    this.forgetEarly();
    this.settle();
  };

  Store.prototype.snapshot = function (answer) {
    var first = this.key === null;
    this.key = answer.key;
    this.closed = !!answer.closed;
    this.resyncing = false;
    this.ready = true;
    if (first) {  // the first snapshot is always announced, even of an empty document
      this.doc = answer.doc;
      this.version = answer.version;
      call(this.listeners.change, [this.get(), null, this.version, null]);
    } else {
      this.adopt(answer.doc, answer.version);
    }
    if (this.closed) { this.refuseAll("this " + this.scope + " data is closed"); }
    this.connection.checkOpen();
    this.forgetEarly();
    this.applyEarly();
    this.pump();
  };

  // Changes apply in version order: one that arrives ahead of its turn waits (briefly) for the
  // ones before it; a gap that stays open, or a patch that does not apply, asks for a snapshot.
  Store.prototype.change = function (message) {
    if (!this.ready || typeof message.version !== "number" || message.version <= this.version) {
      return;
    }
    this.early[message.version] = message;
    this.applyEarly();
  };

  Store.prototype.applyEarly = function () {
    var self = this;
    var applied = false;
    var next = this.early[this.version + 1];
    while (next && !this.resyncing) {
      delete this.early[next.version];
      var doc;
      try {
        doc = applyPatch(this.doc, next.patch);
      } catch (error) {
        this.resync();
        return;
      }
      this.doc = doc;
      this.version = next.version;
      applied = true;
      call(this.listeners.change, [this.get(), copy(next.patch), next.version,
                                   next.author === undefined ? null : next.author]);
      next = this.early[this.version + 1];
    }
    var waiting = Object.keys(this.early).length > 0;
    window.clearTimeout(this.gapTimer);
    if (waiting && !this.resyncing) {
      this.gapTimer = window.setTimeout(function () {
        if (Object.keys(self.early).length) { self.resync(); }
      }, GAP_MS);
    }
    if (applied) {
      this.settle();
      this.pump();
    }
  };

  // Drop buffered changes the document already holds; apply those that now follow on.
  Store.prototype.forgetEarly = function () {
    var version = this.version;
    var early = this.early;
    Object.keys(early).forEach(function (key) {
      if (early[key].version <= version) { delete early[key]; }
    });
  };

  Store.prototype.resync = function () {
    if (this.resyncing || !this.connection.isOpen()) { return; }
    this.resyncing = true;
    this.connection.subscribe(this);
  };

  Store.prototype.dropped = function () {
    this.ready = false;
    this.resyncing = false;
    this.early = {};
    window.clearTimeout(this.echoTimer);
    window.clearTimeout(this.gapTimer);
    if (this.inflight) {
      this.inflight.lost = true;  // answered or not, we cannot know: see pump and conflicted
      this.inflight = null;
    }
  };

  Store.prototype.refuseAll = function (message) {
    var self = this;
    this.queue.slice().forEach(function (change) {
      if (change !== self.inflight) { self.refuse(change, message, false); }
    });
  };

  // -- the connection: one WebSocket, reconnecting with back-off ------------------------------

  function Connection(options) {
    var self = this;
    this.url = options.url || sharedUrl();
    this.state = "connecting";
    this.socket = null;
    this.stopped = false;
    this.unloading = false;
    this.attempts = 0;
    this.nextId = 1;
    this.pending = {};   // request id -> what it was for
    this.unsent = [];    // messages not yet answered: re-sent (same cid) after a reconnect
    this.lastHeard = Date.now();
    this.retryTimer = null;
    this.pingTimer = null;
    this.onState = options.onState || function () {};
    this.onError = options.onError || function () {};
    this.stores = {};
    (options.stores || SCOPES).forEach(function (scope) {
      if (SCOPES.indexOf(scope) < 0) {
        throw new TypeError("labctl.shared: unknown store " + JSON.stringify(scope) +
                            " (use group, batch or study)");
      }
      self.stores[scope] = new Store(self, scope);
    });
    window.addEventListener("pagehide", function (event) {
      self.unloading = true;
      // labctl.js replaces the document with the answer to a form (its pagehide is not the
      // browser's): this page's connection would outlive the page and keep receiving
      if (!event.isTrusted && !self.stopped) { self.close(); }
    });
    window.addEventListener("pageshow", function (event) {
      self.unloading = false;
      if (event.persisted && !self.stopped && !self.isOpen()) { self.open(); }
    });
    this.open();
  }

  function sharedUrl() {
    var match = /^\/p\/[^/]+\//.exec(window.location.pathname);
    if (!match) {
      throw new Error("labctl.shared.connect works on a participant page (/p/<code>/)");
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + match[0] + "shared";
  }

  Connection.prototype.setState = function (state) {
    if (this.state === state) { return; }
    this.state = state;
    try { this.onState(state); } catch (error) { window.setTimeout(function () { throw error; }, 0); }
  };

  // "open" once every store has its snapshot (or was refused): from then on pages see changes
  Connection.prototype.checkOpen = function () {
    var waiting = false;
    this.eachStore(function (store) { waiting = waiting || (!store.ready && !store.gone); });
    if (!waiting && this.isOpen()) { this.setState("open"); }
  };

  Connection.prototype.isOpen = function () {
    return this.socket !== null && this.socket.readyState === 1;
  };

  Connection.prototype.open = function () {
    var self = this;
    var socket;
    window.clearTimeout(this.retryTimer);
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = function () {
      self.attempts = 0;
      self.lastHeard = Date.now();
      self.eachStore(function (store) { self.subscribe(store); });
      self.unsent.slice().forEach(function (item) { self.sendMessage(item); });
      self.pingTimer = window.setInterval(function () { self.heartbeat(); }, PING_MS);
    };
    socket.onmessage = function (event) {
      self.lastHeard = Date.now();
      var message;
      try { message = JSON.parse(event.data); } catch (ignored) { return; }
      if (message && typeof message === "object") { self.receive(message); }
    };
    socket.onclose = function (event) { self.closed(socket, event.code); };
  };

  Connection.prototype.eachStore = function (fn) {
    var stores = this.stores;
    SCOPES.forEach(function (scope) { if (stores[scope]) { fn(stores[scope]); } });
  };

  Connection.prototype.heartbeat = function () {
    if (Date.now() - this.lastHeard > SILENCE_MS) {
      this.drop();
      return;
    }
    this.raw({op: "ping"});
  };

  // A dead connection may take minutes to report its end: give up on it now.
  Connection.prototype.drop = function () {
    var socket = this.socket;
    if (socket === null) { return; }
    socket.onopen = socket.onmessage = socket.onclose = null;
    try { socket.close(); } catch (ignored) { /* already closing */ }
    this.closed(socket, 4000);
  };

  Connection.prototype.closed = function (socket, code) {
    if (socket !== this.socket) { return; }
    this.socket = null;
    window.clearInterval(this.pingTimer);
    this.pending = {};
    this.eachStore(function (store) { store.dropped(); });
    if (this.stopped || this.unloading) { return; }
    if (code === 1008) {  // the server does not know this participant: retrying cannot help
      this.stopped = true;
      this.setState("closed");
      this.eachStore(function (store) { store.refuseAll("this link is not valid"); });
      this.unsent.splice(0).forEach(function (item) {
        finished(item, {conflict: false, message: "this link is not valid"}, null);
      });
      return;
    }
    this.scheduleRetry();
  };

  Connection.prototype.scheduleRetry = function () {
    var self = this;
    var delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * Math.pow(2, this.attempts));
    this.attempts += 1;
    this.setState("reconnecting");
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(function () {
      if (!self.stopped) { self.open(); }
    }, delay);
  };

  Connection.prototype.raw = function (request) {
    if (!this.isOpen()) { return false; }
    this.socket.send(JSON.stringify(request));
    return true;
  };

  Connection.prototype.request = function (request, about) {
    request.id = this.nextId;
    this.nextId += 1;
    this.pending[request.id] = about;
    if (!this.raw(request)) { delete this.pending[request.id]; }
  };

  Connection.prototype.subscribe = function (store) {
    var request = {op: "subscribe", store: store.scope};
    if (store.key !== null) { request.key = store.key; }
    this.request(request, {store: store, subscribe: true});
  };

  function clientId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  Connection.prototype.message = function (store, body, to, done) {
    var cid = clientId();
    if (this.stopped) {
      finished({done: done}, {conflict: false, message: "the connection is closed"}, null);
      return cid;
    }
    var item = {store: store, body: body, to: to, done: done, cid: cid};
    this.unsent.push(item);
    this.sendMessage(item);
    return cid;
  };

  // Sent now if connected; either way kept until answered, and sent again on reconnect.
  Connection.prototype.sendMessage = function (item) {
    if (!this.isOpen()) { return; }
    var request = {op: "message", store: item.store.scope, body: item.body, cid: item.cid};
    if (item.to !== undefined && item.to !== null) { request.to = item.to; }
    if (item.store.key !== null) { request.key = item.store.key; }
    this.request(request, {store: item.store, message: true, item: item, done: item.done});
  };

  Connection.prototype.answered = function (item) {
    var at = this.unsent.indexOf(item);
    if (at >= 0) { this.unsent.splice(at, 1); }
  };

  Connection.prototype.receive = function (message) {
    var store = this.stores[message.store];
    var about = message.id !== undefined && message.id !== null ? this.pending[message.id] : null;
    if (about) { delete this.pending[message.id]; }
    switch (message.type) {
    case "snapshot":
      if (store) { store.snapshot(message); }
      break;
    case "change":
      if (store) { store.change(message); }
      break;
    case "message":
      if (store) {
        call(store.listeners.message, [message.from, message.body, !!message.direct,
                                       {mid: message.mid, cid: message.cid}]);
      }
      break;
    case "history":
      if (about && about.history) { call([about.history], [message.messages || []]); }
      break;
    case "ack":
      if (about && about.change) { about.store.accepted(about.change, message.version); }
      if (about && about.item) {
        this.answered(about.item);
        finished(about.item, null, {message_id: message.message_id, gone: message.gone || []});
      }
      break;
    case "conflict":
      if (about && about.change) { about.store.conflicted(about.change, message); }
      break;
    case "error":
      this.refused(about, String(message.message || "refused"));
      break;
    default:  // ping, pong
      break;
    }
  };

  Connection.prototype.refused = function (about, text) {
    if (about && about.change) {
      about.store.failed(about.change, text);
      return;
    }
    if (about && about.subscribe) {
      // e.g. the participant has moved on: this page's document is no longer theirs
      about.store.gone = true;
      about.store.resyncing = false;
      about.store.refuseAll(text);
      call(about.store.listeners.error, [text, null]);
      this.checkOpen();
    } else if (about && about.history) {
      call([about.history], [null]);
    } else if (about && about.message) {
      this.answered(about.item);
      finished(about, {conflict: false, message: text}, null);
      call(about.store.listeners.error, [text, null]);
    }
    this.reportError(text, about ? about.store.scope : null);
  };

  Connection.prototype.reportError = function (text, scope) {
    try { this.onError(text, scope); } catch (error) {
      window.setTimeout(function () { throw error; }, 0);
    }
  };

  Connection.prototype.close = function () {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    var socket = this.socket;
    if (socket !== null) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      this.closed(socket, 1000);
      try { socket.close(); } catch (ignored) { /* already closing */ }
    }
    this.eachStore(function (store) { store.refuseAll("the connection was closed"); });
    var unsent = this.unsent;
    this.unsent = [];
    unsent.forEach(function (item) {
      finished(item, {conflict: false, message: "the connection was closed"}, null);
    });
    this.setState("closed");
  };

  Connection.prototype.reconnect = function () {
    if (this.stopped || this.socket !== null) { return; }  // connected, or connecting now
    this.attempts = 0;
    this.open();
  };

  function connect(options) {
    var connection = new Connection(options || {});
    var live = {
      close: function () { connection.close(); },
      state: function () { return connection.state; },
      reconnect: function () { connection.reconnect(); }
    };
    connection.eachStore(function (store) { live[store.scope] = store; });
    return live;
  }

  window.labctl = window.labctl || {};
  window.labctl.shared = {connect: connect, applyPatch: applyPatch, PatchError: PatchError};
}());
