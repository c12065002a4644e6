/**
 * The operator's workflow template: ComfyUI's API-format JSON (the UI's "Export (API)"), named by the route's
 * `workflow` option, and the route's `bindings` from the canonical job to node inputs
 * (`prompt: "6.inputs.text"`). A template is read and checked once, at start (checkRoute), and kept.
 */
import { readFileSync } from 'node:fs';
import type { Route } from '../../domain/adapter.js';
import type { JsonValue } from '../../domain/job.js';
import { COMFYUI, JOB_BINDINGS, type JobBinding, OPTION } from './mapping.js';

/** One node of an API-format workflow: its class and its inputs (a literal, or a link `[node, slot]`). */
export interface WorkflowNode {
  class_type: string;
  inputs: Record<string, JsonValue>;
  _meta?: JsonValue;
}
export type ApiWorkflow = Record<string, WorkflowNode>;

/** Where a bound value goes: node `node`, input `input`. */
export interface InputPath {
  node: string;
  input: string;
}

export interface WorkflowTemplate {
  file: string;
  graph: ApiWorkflow;
  /** Job facts (JOB_BINDINGS) and request fields (any other name: `seed`, `steps`, `cfg`) → node inputs. */
  bindings: ReadonlyMap<string, InputPath>;
  /** The node whose images are the answer; absent: every node's saved (`output`) images. */
  outputNode?: string;
}

export const isJobBinding = (name: string): name is JobBinding => (JOB_BINDINGS as readonly string[]).includes(name);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A linked input (`["4", 1]`): the output of another node, which a binding must not replace. */
const isLink = (v: JsonValue | undefined): boolean => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

function parseGraph(file: string): ApiWorkflow | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return `cannot read the workflow file ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return `the workflow file ${file} is not JSON`;
  }
  if (!isRecord(data)) return `the workflow file ${file} is not a JSON object`;
  if (Array.isArray(data.nodes) && 'links' in data) {
    return `the workflow file ${file} is in ${COMFYUI}'s UI format: export it with "Export (API)" (or "Save (API Format)")`;
  }
  for (const [id, node] of Object.entries(data)) {
    if (!isRecord(node) || typeof node.class_type !== 'string' || !isRecord(node.inputs)) {
      return `node "${id}" of the workflow file ${file} has no class_type and inputs: is it an API-format export?`;
    }
  }
  return data as unknown as ApiWorkflow;
}

function parsePath(graph: ApiWorkflow, name: string, spec: string): InputPath | string {
  const m = /^([^.\s]+)\.inputs\.([^.\s]+)$/.exec(spec);
  if (!m) return `binding ${name} is "${spec}": write it as "<node id>.inputs.<input name>", e.g. "6.inputs.text"`;
  const [, node, input] = m as unknown as [string, string, string];
  const target = graph[node];
  if (!target) return `binding ${name} names node "${node}", which the workflow lacks`;
  if (!Object.hasOwn(target.inputs, input)) {
    return `binding ${name} names input "${input}" of node "${node}" (${target.class_type}), which has only ${Object.keys(target.inputs).join(', ')}`;
  }
  if (isLink(target.inputs[input])) return `binding ${name} names input "${input}" of node "${node}", which is linked to another node's output`;
  return { node, input };
}

/** The route's template, or what is wrong with it (a sentence the start-up error quotes). */
export function readTemplate(route: Pick<Route, 'options'>): WorkflowTemplate | string {
  const file = route.options[OPTION.workflow];
  if (typeof file !== 'string' || file === '') return `option ${OPTION.workflow} must name the workflow file (ComfyUI's API-format JSON)`;
  const raw = route.options[OPTION.bindings];
  if (!isRecord(raw)) return `option ${OPTION.bindings} must map names to node inputs, e.g. { prompt: "6.inputs.text" }`;
  const graph = parseGraph(file);
  if (typeof graph === 'string') return graph;
  const bindings = new Map<string, InputPath>();
  for (const [name, spec] of Object.entries(raw)) {
    const path = parsePath(graph, name, spec);
    if (typeof path === 'string') return path;
    bindings.set(name, path);
  }
  if (!bindings.has('prompt')) return `option ${OPTION.bindings} must bind prompt (e.g. prompt: "6.inputs.text")`;
  if (bindings.has('width') !== bindings.has('height')) return 'bindings width and height go together';
  const output = route.options[OPTION.outputNode];
  if (output !== undefined && (typeof output !== 'string' || !graph[output])) {
    return `option ${OPTION.outputNode} must name a node of the workflow, not ${JSON.stringify(output)}`;
  }
  return { file, graph, bindings, ...(typeof output === 'string' ? { outputNode: output } : {}) };
}

const templates = new Map<string, WorkflowTemplate | string>();

/** The route's template, read once per file and bindings. */
export function templateOf(route: Pick<Route, 'options'>): WorkflowTemplate | string {
  const key = JSON.stringify([route.options[OPTION.workflow], route.options[OPTION.bindings], route.options[OPTION.outputNode]]);
  let t = templates.get(key);
  if (t === undefined) {
    t = readTemplate(route);
    templates.set(key, t);
  }
  return t;
}
