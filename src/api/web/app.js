// The recruiter page: everything it shows comes from the /v1 API (see the README and
// docs/contract.md); nothing is fetched from anywhere else, and nothing is kept but the API key
// (sessionStorage, this tab only). Plain DOM, no framework: the page is small, and the
// Content-Security-Policy forbids inline scripts and styles, so every node is built here.

const KEY_STORAGE = "shortlist.apiKey";
/// How long the editor waits after a keystroke before ranking again.
const RANK_DEBOUNCE_MS = 250;
const PAGE_SIZE = 20;
/// Uploads in flight at once: enough to keep the server's cores busy, few enough that one slow
/// file does not stall the rest behind the browser's connection limit.
const UPLOAD_CONCURRENCY = 3;
const RUN_POLL_MS = 500;

const VERDICTS = {
  met: { text: "met", icon: "✓" },
  partial: { text: "partly met", icon: "◐" },
  not_met: { text: "not met", icon: "✗" },
  unknown: { text: "unknown", icon: "?" },
};

const $ = (id) => document.getElementById(id);

const state = {
  roles: [],
  /** The role in the editor, as the API's role format (edited in place). */
  role: null,
  /** Whether the editor differs from the stored role with the same id. */
  dirty: false,
  /** Which ranking request is the latest: older answers are dropped. */
  rankSeq: 0,
  nextCursor: null,
  /** File names of this session's uploads, by candidate id, to name rows. */
  names: new Map(),
  queue: [],
  run: null,
};

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `The server answered ${status}.`);
    this.status = status;
    this.code = problem?.code || "http_error";
  }
}

function authHeaders() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function readProblem(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function api(method, path, body) {
  const headers = authHeaders();
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    askForKey();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await readProblem(response));
  }
  return response.status === 204 ? null : response.json();
}

// ---------------------------------------------------------------- small helpers

/** Builds an element: `el("li", {className: "x"}, "text", child)`. */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (/^aria[A-Z]/.test(name)) node.setAttribute(`aria-${name.slice(4).toLowerCase()}`, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function showAlert(message) {
  const alert = $("alert");
  alert.textContent = message;
  alert.hidden = !message;
}

function report(error) {
  if (error instanceof ApiError && error.status === 401) return;
  showAlert(error.message);
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function candidateName(result) {
  return state.names.get(result.candidate_id) || result.external_id ||
    `Candidate ${result.candidate_id.slice(0, 8)}`;
}

// ---------------------------------------------------------------- API key

function askForKey() {
  $("key-panel").hidden = false;
  $("key-input").focus();
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  $("key-input").value = "";
  $("key-panel").hidden = true;
  $("key-button").hidden = false;
  showAlert("");
  loadRoles();
});

$("key-button").addEventListener("click", askForKey);

// ---------------------------------------------------------------- uploads

function queueFiles(fileList) {
  for (const file of fileList) {
    const path = file.webkitRelativePath || file.name;
    // Hidden and system files of a folder (.DS_Store, __MACOSX/) are not resumes.
    if (path.split("/").some((part) => part.startsWith(".") || part === "__MACOSX")) continue;
    const progress = el("progress", { max: 1, value: 0, ariaLabel: `Upload of ${path}` });
    const status = el("span", { className: "upload-status" }, "waiting");
    const item = el("li", { className: "upload-item", dataset: { state: "waiting" } },
      el("span", { className: "upload-name", title: path }, path),
      progress,
      status);
    $("upload-list").append(item);
    state.queue.push({ file, path, item, progress, status });
  }
  $("upload-summary").textContent =
    state.queue.length ? `${state.queue.length} file(s) ready to upload` : "";
}

for (const input of [$("file-input"), $("folder-input")]) {
  input.addEventListener("change", () => {
    queueFiles(input.files);
    input.value = "";
  });
}

function setUploadState(job, name, text) {
  job.item.dataset.state = name;
  job.status.textContent = text;
}

/** One file, by XMLHttpRequest: fetch cannot report upload progress. Resolves with the
 * outcome: created, replaced, duplicate or refused. */
function uploadOne(job) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/v1/candidates");
    for (const [name, value] of Object.entries(authHeaders())) {
      request.setRequestHeader(name, value);
    }
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) job.progress.value = event.loaded / event.total;
      setUploadState(job, "sending", `${Math.round(job.progress.value * 100)}%`);
    });
    request.addEventListener("load", () => {
      job.progress.value = 1;
      if (request.status === 200 || request.status === 201) {
        let body = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          // A success without a readable body still stored the file.
        }
        // A duplicate keeps the name it was first uploaded under.
        if (body?.id && !state.names.has(body.id)) state.names.set(body.id, job.path.split("/").pop());
        const outcome = request.getResponseHeader("shortlist-outcome") || "created";
        const words = { created: "done", replaced: "done (replaced)", duplicate: "done (already there)" };
        setUploadState(job, "done", words[outcome] || "done");
        resolve(outcome);
        return;
      }
      if (request.status === 401) askForKey();
      let detail = `refused (${request.status})`;
      try {
        const problem = JSON.parse(request.responseText);
        if (problem.detail) detail = `refused: ${problem.detail}`;
      } catch {
        // Not problem+json: keep the status.
      }
      setUploadState(job, "refused", detail);
      resolve("refused");
    });
    request.addEventListener("error", () => {
      setUploadState(job, "refused", "failed: the server could not be reached");
      resolve("refused");
    });
    const form = new FormData();
    form.append("file", job.file, job.path.split("/").pop());
    setUploadState(job, "sending", "0%");
    request.send(form);
  });
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const jobs = state.queue.splice(0);
  if (!jobs.length) {
    $("upload-summary").textContent = "Choose files or a folder first.";
    $("file-input").focus();
    return;
  }
  $("upload-button").disabled = true;
  const counts = { created: 0, replaced: 0, duplicate: 0, refused: 0 };
  const finished = () => Object.values(counts).reduce((a, b) => a + b, 0);
  const summary = () => {
    $("upload-summary").textContent = `${finished()} of ${jobs.length} uploaded` +
      (counts.refused ? `, ${counts.refused} refused` : "");
  };
  summary();
  let next = 0;
  const workers = Array.from({ length: Math.min(UPLOAD_CONCURRENCY, jobs.length) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next];
      next += 1;
      const outcome = await uploadOne(job);
      counts[outcome in counts ? outcome : "created"] += 1;
      summary();
    }
  });
  await Promise.all(workers);
  const parts = [`${counts.created} added`];
  if (counts.replaced) parts.push(`${counts.replaced} replaced`);
  if (counts.duplicate) parts.push(`${counts.duplicate} already there`);
  if (counts.refused) parts.push(`${counts.refused} refused`);
  $("upload-summary").textContent = `Upload finished: ${parts.join(", ")}.`;
  $("upload-button").disabled = false;
  if (state.role) rankNow();
});

// ---------------------------------------------------------------- roles

async function loadRoles(selectId) {
  try {
    state.roles = await api("GET", "/v1/roles");
  } catch (error) {
    report(error);
    return;
  }
  state.roles.sort((a, b) => a.title.localeCompare(b.title));
  const select = $("role-select");
  select.replaceChildren(el("option", { value: "" }, "Choose a role…"),
    ...state.roles.map((role) => el("option", { value: role.id }, `${role.title} (${role.id})`)));
  if (selectId) select.value = selectId;
}

$("role-select").addEventListener("change", () => {
  const role = state.roles.find((r) => r.id === $("role-select").value);
  if (role) editRole(structuredClone(role), false);
});

$("draft-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("draft-text").value;
  if (!text.trim()) {
    showAlert("Paste a job description to draft from.");
    return;
  }
  $("draft-button").disabled = true;
  try {
    const role = await api("POST", "/v1/roles/draft", { text });
    // A draft's id comes from its title and often names a saved role: saving must not replace
    // that role unless the recruiter types its id.
    const taken = new Set(state.roles.map((r) => r.id));
    if (taken.has(role.id)) {
      const base = `${role.id}-draft`;
      role.id = base;
      for (let n = 2; taken.has(role.id); n += 1) role.id = `${base}-${n}`;
    }
    showAlert("");
    $("role-select").value = "";
    editRole(role, true);
    $("editor-heading").scrollIntoView({ block: "nearest" });
  } catch (error) {
    report(error);
  } finally {
    $("draft-button").disabled = false;
  }
});

function editRole(role, dirty) {
  state.role = role;
  $("editor").hidden = false;
  $("role-title").value = role.title;
  $("role-id").value = role.id;
  $("save-status").textContent = "";
  renderRequirements();
  setDirty(dirty);
  rankNow();
}

function setDirty(dirty) {
  state.dirty = dirty;
  $("unsaved-badge").hidden = !dirty;
  $("run-button").disabled = dirty || !state.role;
  $("run-button").title = dirty ? "Save the role first: runs use saved roles." : "";
}

/** What a requirement asks, in a few words, from its kind's fields. */
function describe(requirement) {
  switch (requirement.kind) {
    case "skill":
    case "language":
    case "certification":
    case "location":
      return `${requirement.kind}: ${requirement.any_of.join(", ")}` +
        (requirement.min_months ? `, ${requirement.min_months}+ months` : "");
    case "experience":
    case "track_record":
      return `${requirement.category.replaceAll("_", " ")}: ${requirement.min_years}+ years`;
    case "degree":
      return `degree: ${requirement.min_level}` +
        (requirement.fields?.length ? ` in ${requirement.fields.join(", ")}` : "");
    case "keyword":
      return `keyword: ${requirement.query}`;
    case "any_of":
      return `any of: ${requirement.alternatives.map((a) => a.label || a.id).join(" | ")}`;
    default:
      return requirement.kind;
  }
}

function renderRequirements() {
  const list = $("requirement-list");
  list.replaceChildren(...state.role.requirements.map((requirement, index) => {
    const base = `req-${index}`;
    const label = el("input", {
      type: "text", id: `${base}-label`, value: requirement.label || requirement.id,
    });
    label.addEventListener("input", () => {
      requirement.label = label.value;
      changed();
    });
    const weight = el("input", {
      type: "number", id: `${base}-weight`, min: "0.05", step: "0.25",
      value: requirement.weight ?? 1, className: "weight",
    });
    weight.addEventListener("input", () => {
      const value = Number(weight.value);
      if (weight.value === "" || !(value > 0)) {
        weight.setAttribute("aria-invalid", "true");
        return;
      }
      weight.removeAttribute("aria-invalid");
      requirement.weight = value;
      changed();
    });
    const mustHave = el("input", {
      type: "checkbox", id: `${base}-must`, checked: Boolean(requirement.must_have),
    });
    mustHave.addEventListener("change", () => {
      requirement.must_have = mustHave.checked;
      changed();
    });
    const remove = el("button", {
      type: "button", className: "button ghost small",
      ariaLabel: `Remove requirement: ${requirement.label || requirement.id}`,
    }, "Remove");
    remove.addEventListener("click", () => {
      state.role.requirements.splice(index, 1);
      renderRequirements();
      changed();
      $("requirement-list").querySelector("input")?.focus();
    });
    return el("li", { className: "requirement", dataset: { id: requirement.id } },
      el("div", { className: "field grow" },
        el("label", { htmlFor: `${base}-label`, className: "visually-hidden" },
          `Requirement ${index + 1}`),
        label,
        el("span", { className: "hint" }, describe(requirement))),
      el("div", { className: "requirement-controls" },
        el("div", { className: "field narrow" },
          el("label", { htmlFor: `${base}-weight` }, "Weight"), weight),
        el("div", { className: "check" },
          mustHave, el("label", { htmlFor: `${base}-must` }, "Must-have")),
        remove));
  }));
}

const rankSoon = debounce(() => rankNow(), RANK_DEBOUNCE_MS);

function changed() {
  setDirty(true);
  rankSoon();
}

$("role-title").addEventListener("input", () => {
  if (!state.role) return;
  state.role.title = $("role-title").value;
  changed();
});
$("role-id").addEventListener("input", () => {
  if (!state.role) return;
  state.role.id = $("role-id").value.trim();
  changed();
});

$("keyword-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const label = $("keyword-label").value.trim();
  const query = $("keyword-query").value.trim();
  if (!query) {
    showAlert("Give the words to look for in the resume.");
    return;
  }
  const taken = new Set(state.role.requirements.map((r) => r.id));
  let id = (label || query).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 40) || "keyword";
  for (let n = 2; taken.has(id); n += 1) id = `${id.replace(/-\d+$/, "")}-${n}`;
  state.role.requirements.push({ id, label: label || query, weight: 1, must_have: false, kind: "keyword", query });
  $("keyword-label").value = "";
  $("keyword-query").value = "";
  renderRequirements();
  changed();
});

$("save-role").addEventListener("click", async () => {
  const role = state.role;
  if (!role) return;
  $("save-status").textContent = "Saving…";
  try {
    const saved = await api("PUT", `/v1/roles/${encodeURIComponent(role.id)}`, role);
    await loadRoles(saved.id);
    state.role = structuredClone(saved);
    setDirty(false);
    showAlert("");
    $("save-status").textContent = `Saved as ${saved.id}.`;
  } catch (error) {
    $("save-status").textContent = "Not saved.";
    report(error);
  }
});

// ---------------------------------------------------------------- ranking

function rankNow(append = false) {
  if (!state.role) return;
  const seq = ++state.rankSeq;
  const body = { role: state.role, limit: PAGE_SIZE };
  if (append && state.nextCursor) body.cursor = state.nextCursor;
  $("ranking-list").setAttribute("aria-busy", "true");
  api("POST", "/v1/rankings", body).then((page) => {
    if (seq !== state.rankSeq) return;
    showAlert("");
    renderRanking(page, append);
  }, (error) => {
    if (seq !== state.rankSeq) return;
    $("ranking-status").textContent = "The ranking could not be updated; the list shows the last one.";
    report(error);
  }).finally(() => {
    if (seq === state.rankSeq) $("ranking-list").removeAttribute("aria-busy");
  });
}

$("more-button").addEventListener("click", () => rankNow(true));

function verdictChip(requirement) {
  const verdict = VERDICTS[requirement.verdict] || VERDICTS.unknown;
  const name = requirement.label || requirement.id;
  return el("li", {
    className: `chip ${requirement.verdict}`, title: `${name}: ${verdict.text}`,
    dataset: { verdict: requirement.verdict, requirement: requirement.id },
  },
  el("span", { className: "chip-icon", ariaHidden: "true" }, verdict.icon),
  el("span", { className: "chip-label" }, name),
  el("span", { className: "chip-verdict" }, verdict.text),
  requirement.must_have ? el("span", { className: "chip-must" }, "must") : null);
}

/** Evidence reads "what was found: the resume's words (or a count)" or is a plain statement
 * ("415 months of account management in total"). The part after the colon is not always a
 * quotation, so it is set apart by weight, never put in quotation marks. */
function splitEvidence(text) {
  const colon = text.indexOf(": ");
  if (colon <= 0) return { said: text, quote: null };
  return { said: text.slice(0, colon), quote: text.slice(colon + 2) };
}

function evidenceItem(text) {
  const { said, quote } = splitEvidence(text);
  return el("li", { className: "evidence-item" },
    quote === null ? said : [el("span", { className: "found" }, `${said}: `), el("span", { className: "words" }, quote)]);
}

function evidenceList(result) {
  return el("dl", { className: "evidence" }, result.requirements.map((requirement) => {
    const verdict = VERDICTS[requirement.verdict] || VERDICTS.unknown;
    return [
      el("dt", {},
        el("span", { className: `verdict-text ${requirement.verdict}` }, `${verdict.icon} ${verdict.text}`),
        " ", requirement.label || requirement.id,
        el("span", { className: "muted" }, ` · credit ${Math.round(requirement.score * 100)}%`)),
      el("dd", {}, el("ul", {}, requirement.evidence.map(evidenceItem))),
    ];
  }));
}

function renderRanking(page, append) {
  const list = $("ranking-list");
  if (!append) list.replaceChildren();
  for (const result of page.results) {
    const profileButton = el("button", { type: "button", className: "button small" }, "Open profile");
    profileButton.addEventListener("click", () => openProfile(result, profileButton));
    const met = result.must_haves_met;
    list.append(el("li", { className: "result", dataset: { candidate: result.candidate_id } },
      el("div", { className: "result-head" },
        el("span", { className: "rank" }, `#${result.rank}`),
        el("span", { className: "name" }, candidateName(result)),
        el("span", { className: `badge ${met ? "ok" : "bad"}` },
          met ? "Must-haves met" : "Must-haves missing"),
        el("span", { className: "score", dataset: { score: result.score } },
          el("span", { className: "visually-hidden" }, "Score "), result.score.toFixed(1))),
      el("ul", { className: "chips", ariaLabel: "Requirements" }, result.requirements.map(verdictChip)),
      el("div", { className: "result-actions" },
        el("details", { className: "evidence-details" },
          el("summary", {}, "Evidence"),
          evidenceList(result)),
        profileButton)));
  }
  state.nextCursor = page.next_cursor;
  $("more-button").hidden = !page.next_cursor;
  const shown = list.children.length;
  const title = state.role.title || state.role.id;
  $("ranking-heading").textContent = `Ranking for ${title}`;
  $("ranking-status").textContent = page.total === 0
    ? "No candidates yet: upload resumes to rank them."
    : `Showing ${shown} of ${page.total} candidate${page.total === 1 ? "" : "s"}, best first.`;
}

// ---------------------------------------------------------------- profile

/** Where a quoted fact is in the resume, as the server appends it: " (page 2, line 31)". */
const LOCATION = /\s\((?:page \d+, )?line \d+\)$/;

/** The quoted parts of a ranking's evidence: the text after "Skill: " or the whole line, and
 * the resume lines the evidence quotes (`quotes`). */
function quotesOf(result) {
  const quotes = new Set();
  for (const requirement of result.requirements) {
    for (const text of requirement.evidence) {
      const { said, quote } = splitEvidence(text.replace(LOCATION, ""));
      const words = (quote ?? said).replace(/(…|\.\.\.)$/, "").trim();
      if (words.length >= 4) quotes.add(words);
    }
    for (const line of requirement.quotes ?? []) {
      const words = line.text.replace(/(…|\.\.\.)$/, "").trim();
      if (words.length >= 4) quotes.add(words);
    }
  }
  // Longest first, so that a short quote never splits a longer one.
  return [...quotes].sort((a, b) => b.length - a.length);
}

/** Wraps each occurrence of a quote in the profile's text in <mark>. */
function highlight(root, quotes) {
  let marked = 0;
  for (const quote of quotes) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => node.parentElement.closest("mark")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    const hits = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.data.includes(quote)) hits.push(node);
    }
    for (let node of hits) {
      let at = node.data.indexOf(quote);
      while (at >= 0) {
        const match = node.splitText(at);
        const rest = match.splitText(quote.length);
        const mark = el("mark", {}, match.data);
        match.replaceWith(mark);
        marked += 1;
        node = rest;
        at = node.data.indexOf(quote);
      }
    }
  }
  return marked;
}

function profileSection(title, ...content) {
  const items = content.flat().filter(Boolean);
  if (!items.length) return null;
  return el("section", { className: "profile-section" }, el("h3", {}, title), ...items);
}

function evidenceText(evidence) {
  return evidence ? el("p", { className: "quote" }, evidence.text) : null;
}

function renderProfile(candidate) {
  const p = candidate.profile;
  const dates = (position) => `${position.start || "?"} – ${position.current ? "present" : position.end || "?"}`;
  return [
    el("p", { className: "profile-headline" }, p.headline || p.contact?.name || "No headline"),
    el("p", { className: "muted" },
      `${p.document.media_type}, ${p.document.pages} page(s)` +
      (p.document.document_date ? `, dated ${p.document.document_date}` : "") +
      `; ${Math.round(p.experience.total_months / 12)} years of experience in total`),
    profileSection("Positions", p.positions.map((position) =>
      el("article", { className: "position" },
        el("h4", {}, position.title || "Untitled position",
          position.employer ? el("span", { className: "muted" }, ` · ${position.employer}`) : null),
        el("p", { className: "muted" }, `${dates(position)} · ${position.months} months`,
          position.categories.length ? ` · ${position.categories.join(", ").replaceAll("_", " ")}` : ""),
        evidenceText(position.evidence),
        position.description ? el("p", { className: "description" }, position.description) : null))),
    profileSection("Skills", el("ul", { className: "skill-list" }, p.skills.map((skill) =>
      el("li", {}, el("strong", {}, skill.name),
        skill.months ? el("span", { className: "muted" }, ` · ${skill.months} months`) : null,
        skill.evidence.map(evidenceText))))),
    profileSection("Education", p.education.map((education) =>
      el("div", {}, el("strong", {}, [education.degree, education.field].filter(Boolean).join(", ") || education.level),
        education.institution ? ` · ${education.institution}` : "",
        evidenceText(education.evidence)))),
    profileSection("Achievements", el("ul", {}, p.achievements.map((a) =>
      el("li", {}, `${a.kind.replaceAll("_", " ")}: `, el("span", { className: "quote" }, a.evidence.text))))),
    profileSection("Languages and certifications",
      p.languages.map((l) => el("div", {}, el("strong", {}, l.name),
        l.proficiency ? ` · ${l.proficiency}` : "", evidenceText(l.evidence))),
      p.certifications.map((c) => el("div", {}, el("strong", {}, c.name), evidenceText(c.evidence)))),
    // Travel's evidence is the sentence itself, not an Evidence object.
    profileSection("Travel", p.travel?.evidence
      ? [el("p", {}, p.travel.status), evidenceText({ text: p.travel.evidence })] : []),
  ];
}

async function openProfile(result, opener) {
  const dialog = $("profile-dialog");
  try {
    const candidate = await api("GET", `/v1/candidates/${encodeURIComponent(result.candidate_id)}`);
    $("profile-heading").textContent = candidateName(result);
    const body = $("profile-body");
    body.replaceChildren(...renderProfile(candidate).filter(Boolean));
    const marked = highlight(body, quotesOf(result));
    body.dataset.marked = String(marked);
    dialog.returnFocus = opener;
    dialog.showModal();
    body.querySelector("mark")?.scrollIntoView({ block: "center" });
    $("profile-close").focus();
  } catch (error) {
    report(error);
  }
}

$("profile-close").addEventListener("click", () => $("profile-dialog").close());
$("profile-dialog").addEventListener("close", () => $("profile-dialog").returnFocus?.focus());

// ---------------------------------------------------------------- runs

$("run-button").addEventListener("click", async () => {
  if (!state.role || state.dirty) return;
  try {
    const run = await api("POST", "/v1/runs", { role_id: state.role.id, selection: { all: true } });
    state.run = run;
    $("run-panel").hidden = false;
    $("cancel-run").hidden = false;
    $("export-link").hidden = true;
    $("run-button").disabled = true;
    showRun(run);
    pollRun(run.id);
  } catch (error) {
    report(error);
  }
});

$("cancel-run").addEventListener("click", async () => {
  if (!state.run) return;
  try {
    showRun(await api("POST", `/v1/runs/${encodeURIComponent(state.run.id)}/cancel`));
  } catch (error) {
    report(error);
  }
});

const FINISHED = new Set(["succeeded", "failed", "canceled"]);

function showRun(run) {
  const { done = 0, total = 0, phase } = run.progress || {};
  const progress = $("run-progress");
  progress.max = Math.max(total, 1);
  progress.value = done;
  const words = {
    enqueued: "Waiting to start",
    processing: `Ranking: ${done} of ${total}${phase ? ` (${phase})` : ""}`,
    succeeded: `Finished: ${total} candidate${total === 1 ? "" : "s"} ranked`,
    failed: `Failed: ${run.error || "see the server log"}`,
    canceled: "Canceled",
  };
  $("run-status").textContent = words[run.status] || run.status;
  if (FINISHED.has(run.status)) {
    $("cancel-run").hidden = true;
    $("run-button").disabled = state.dirty;
  }
  if (run.status === "succeeded") {
    const link = $("export-link");
    link.href = `/v1/runs/${encodeURIComponent(run.id)}/export?format=csv`;
    link.download = `run-${run.id}.csv`;
    link.hidden = false;
  }
}

async function pollRun(id) {
  while (state.run?.id === id) {
    let run;
    try {
      run = await api("GET", `/v1/runs/${encodeURIComponent(id)}`);
    } catch (error) {
      report(error);
      return;
    }
    showRun(run);
    if (FINISHED.has(run.status)) return;
    await new Promise((resolve) => setTimeout(resolve, RUN_POLL_MS));
  }
}

// A plain link cannot carry the API key: with one, download through fetch instead.
$("export-link").addEventListener("click", async (event) => {
  if (!sessionStorage.getItem(KEY_STORAGE)) return;
  event.preventDefault();
  const link = event.currentTarget;
  try {
    const response = await fetch(link.href, { headers: authHeaders() });
    if (!response.ok) throw new ApiError(response.status, await readProblem(response));
    const url = URL.createObjectURL(await response.blob());
    const save = el("a", { href: url, download: link.download });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    report(error);
  }
});

// ---------------------------------------------------------------- start

if (sessionStorage.getItem(KEY_STORAGE)) $("key-button").hidden = false;
loadRoles();

export { highlight, quotesOf };
