// The API documentation page: reads /openapi.json (the document the server builds from its own
// types) and renders every operation. Written with DOM calls and textContent only: descriptions
// and examples are shown as text, never parsed as HTML.

const KEY_STORAGE = "shortlist.apiKey"; // the recruiter page's key, shared within the tab
const METHODS = ["get", "head", "post", "put", "patch", "delete"];
const MAX_DEPTH = 6;

const $ = (id) => document.getElementById(id);

/** An element with a class and children (strings become text). */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function showAlert(text) {
  const alert = $("alert");
  alert.textContent = text;
  alert.hidden = !text;
}

async function load() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  const response = await fetch("/openapi.json", { headers });
  if (response.status === 401) {
    $("key-panel").hidden = false;
    $("intro").replaceChildren(el("p", "muted", "Enter an API key above to read the document."));
    return null;
  }
  if (!response.ok) throw new Error(`/openapi.json answered ${response.status}.`);
  return response.json();
}

/** The schema a `$ref` names, or the schema itself. */
function resolve(doc, schema) {
  if (schema && typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/components/schemas/", "");
    return { name, schema: doc.components?.schemas?.[name] };
  }
  return { name: null, schema };
}

/** A short type label: `string (date)`, `array of Role`, `Category | null`. */
function typeLabel(doc, schema) {
  if (!schema) return "any";
  if (schema.$ref) return resolve(doc, schema).name;
  if (schema.oneOf || schema.anyOf) {
    return (schema.oneOf || schema.anyOf).map((part) => typeLabel(doc, part)).join(" | ");
  }
  if (schema.allOf) return schema.allOf.map((part) => typeLabel(doc, part)).join(" & ");
  let type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  if (type === "array" || (Array.isArray(schema.type) && schema.type.includes("array"))) {
    type = `${type.replace("array", "array of " + typeLabel(doc, schema.items))}`;
  }
  if (!type) type = schema.properties ? "object" : "any";
  if (schema.format) type += ` (${schema.format})`;
  if (schema.enum) type += ` one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  return type;
}

/** A schema as a nested list of its fields, following references up to MAX_DEPTH. */
function schemaTree(doc, schema, depth = 0, seen = new Set()) {
  const { name, schema: target } = resolve(doc, schema);
  const list = el("ul", "schema-tree");
  if (!target) return list;
  if (name) {
    if (seen.has(name) || depth >= MAX_DEPTH) {
      list.append(el("li", "schema-note", `${name} (see Schemas)`));
      return list;
    }
    seen = new Set(seen).add(name);
  }
  if (target.description && depth === 0) list.append(el("li", "schema-note", target.description));
  const parts = target.oneOf || target.anyOf || target.allOf;
  if (parts) {
    const word = target.allOf ? "all of" : "one of";
    for (const part of parts) {
      const item = el("li", null, el("span", "schema-note", `${word}: `),
        el("span", "schema-type", typeLabel(doc, part)));
      const inner = resolve(doc, part).schema;
      if (inner && (inner.properties || inner.oneOf || inner.allOf || inner.items)) {
        item.append(schemaTree(doc, part, depth + 1, seen));
      }
      list.append(item);
    }
  }
  if (target.items) {
    const item = el("li", null, el("span", "schema-note", "items: "),
      el("span", "schema-type", typeLabel(doc, target.items)));
    item.append(schemaTree(doc, target.items, depth + 1, seen));
    list.append(item);
  }
  const required = new Set(target.required || []);
  for (const [field, fieldSchema] of Object.entries(target.properties || {})) {
    const item = el("li", null, el("strong", null, field), " ",
      el("span", "schema-type", typeLabel(doc, fieldSchema)));
    if (required.has(field)) item.append(" ", el("span", "schema-required", "required"));
    const description = fieldSchema.description || resolve(doc, fieldSchema).schema?.description;
    if (description && !fieldSchema.$ref) item.append(" ", el("span", "schema-note", `— ${description}`));
    const inner = resolve(doc, fieldSchema).schema;
    const nested = inner && (inner.properties || inner.items?.$ref || inner.items?.properties ||
      inner.oneOf || inner.allOf);
    if (nested && (fieldSchema.$ref || inner.properties || inner.items)) {
      item.append(schemaTree(doc, fieldSchema, depth + 1, seen));
    }
    list.append(item);
  }
  return list;
}

function pre(value) {
  return el("pre", null, typeof value === "string" ? value : JSON.stringify(value, null, 2));
}

function parametersTable(doc, parameters) {
  const table = el("table", null,
    el("thead", null, el("tr", null, el("th", null, "Name"), el("th", null, "In"),
      el("th", null, "Type"), el("th", null, "Required"), el("th", null, "Description"))));
  const body = el("tbody");
  for (const parameter of parameters) {
    body.append(el("tr", null,
      el("td", null, el("code", null, parameter.name)),
      el("td", null, parameter.in),
      el("td", "schema-type", typeLabel(doc, parameter.schema)),
      el("td", null, parameter.required ? "yes" : "no"),
      el("td", null, parameter.description || "")));
  }
  table.append(body);
  return table;
}

function requestBody(doc, body) {
  const section = el("div", "request-body");
  for (const [contentType, content] of Object.entries(body.content || {})) {
    section.append(el("p", null, el("code", null, contentType), " ",
      el("span", "schema-type", typeLabel(doc, content.schema))));
    section.append(schemaTree(doc, content.schema));
    if (content.example !== undefined) {
      section.append(el("h4", null, "Example"), pre(content.example));
    }
    for (const [name, example] of Object.entries(content.examples || {})) {
      section.append(el("h4", null, `Example: ${name}`), pre(example.value));
    }
  }
  return section;
}

function responses(doc, operationResponses) {
  const success = el("div", "responses");
  const errors = el("table", "error-codes",
    el("thead", null, el("tr", null, el("th", null, "Status"), el("th", null, "Code"),
      el("th", null, "Example detail"))));
  const errorRows = el("tbody");
  errors.append(errorRows);
  for (const [status, response] of Object.entries(operationResponses || {})) {
    const problem = response.content?.["application/problem+json"];
    if (problem) {
      for (const [code, example] of Object.entries(problem.examples || {})) {
        errorRows.append(el("tr", "error-code",
          el("td", "status", status),
          el("td", null, el("span", "code-chip", code)),
          el("td", null, example.value?.detail || example.summary || "")));
      }
      continue;
    }
    const line = el("p", null, el("span", "status", status), " ", response.description || "");
    success.append(line);
    for (const [contentType, content] of Object.entries(response.content || {})) {
      line.append(" ", el("code", null, contentType), " ",
        el("span", "schema-type", typeLabel(doc, content.schema)));
      if (content.schema?.$ref) success.append(schemaTree(doc, content.schema));
    }
  }
  return { success, errors: errorRows.children.length ? errors : null };
}

function operationId(method, path) {
  return `op-${method}-${path.replace(/[^a-zA-Z0-9]+/g, "-")}`;
}

function renderOperation(doc, method, path, operation) {
  const section = el("section", "operation");
  section.id = operationId(method, path);
  section.dataset.method = method.toUpperCase();
  section.dataset.path = path;
  const open = Array.isArray(operation.security) && operation.security.length === 1 &&
    Object.keys(operation.security[0]).length === 0;
  section.append(el("h3", null,
    el("span", `method ${method}`, method.toUpperCase()),
    el("span", "path", path),
    el("span", "summary", operation.summary || ""),
    open ? el("span", "lock", "no key needed") : null));
  if (operation.description) section.append(el("p", null, operation.description));
  if (operation.parameters?.length) {
    section.append(el("h4", null, "Parameters"), parametersTable(doc, operation.parameters));
  }
  if (operation.requestBody) {
    section.append(el("h4", null, "Request body"), requestBody(doc, operation.requestBody));
  }
  const { success, errors } = responses(doc, operation.responses);
  section.append(el("h4", null, "Responses"), success);
  if (errors) section.append(el("h4", null, "Error codes (application/problem+json)"), errors);
  return section;
}

function render(doc) {
  $("intro").replaceChildren(
    el("h2", null, `${doc.info.title} ${doc.info.version}`),
    el("p", null, doc.info.description || ""),
    el("p", "muted", `OpenAPI ${doc.openapi}. Authentication: `,
      el("code", null, "Authorization: Bearer <key>"),
      " unless an operation says otherwise."));
  const groups = new Map((doc.tags || []).map((tag) => [tag.name, { tag, operations: [] }]));
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const name = operation.tags?.[0] || "other";
      if (!groups.has(name)) groups.set(name, { tag: { name }, operations: [] });
      groups.get(name).operations.push({ method, path, operation });
    }
  }
  const operations = $("operations");
  const toc = $("toc");
  operations.replaceChildren();
  toc.replaceChildren();
  for (const { tag, operations: list } of groups.values()) {
    if (!list.length) continue;
    const heading = el("h2", "docs-group", tag.name);
    heading.id = `tag-${tag.name}`;
    operations.append(heading);
    if (tag.description) operations.append(el("p", "muted", tag.description));
    const links = el("ul");
    for (const { method, path, operation } of list) {
      operations.append(renderOperation(doc, method, path, operation));
      const link = el("a", null, el("span", `method ${method}`, method.toUpperCase()),
        el("span", "path", path));
      link.href = `#${operationId(method, path)}`;
      links.append(el("li", null, link));
    }
    toc.append(el("h3", null, tag.name), links);
  }
  const schemaList = $("schema-list");
  schemaList.replaceChildren();
  for (const name of Object.keys(doc.components?.schemas || {}).sort()) {
    const section = el("section", "operation");
    section.id = `schema-${name}`;
    section.append(el("h3", null, el("span", "path", name)),
      schemaTree(doc, { $ref: `#/components/schemas/${name}` }));
    schemaList.append(section);
  }
  $("schemas").hidden = false;
  document.body.dataset.rendered = "true";
}

async function start() {
  try {
    const doc = await load();
    if (doc) render(doc);
  } catch (error) {
    showAlert(`The API document could not be shown: ${error.message}`);
  }
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $("key-input").value.trim());
  $("key-panel").hidden = true;
  start();
});

start();
