/**
 * The canonical job → the workflow to queue: a copy of the template with each bound input set. Pure; what
 * the template cannot take is a 400 naming the field (checkJob), never a silent drop.
 */
import { invalidRequest, unsupportedField } from '../../domain/errors.js';
import type { ImageJob, JsonValue } from '../../domain/job.js';
import { parseSize } from '../../domain/size.js';
import { isJobBinding, type ApiWorkflow, type WorkflowTemplate } from './workflow.js';

/** Names of images uploaded to ComfyUI's input folder, as its LoadImage nodes take them. */
export interface Uploaded {
  image?: string;
  mask?: string;
}

/** The size the job asks for, when it asks for one (`auto` or none: the template's own). */
function askedSize(job: ImageJob): { width: number; height: number } | undefined {
  const size = job.params.size === undefined ? undefined : parseSize(job.params.size);
  return size === 'auto' ? undefined : size;
}

/** Throws the 400 for the first thing of the job the template has no binding for. */
export function checkJob(t: WorkflowTemplate, job: ImageJob): void {
  const has = (name: string) => t.bindings.has(name);
  if (job.n > 1 && !has('n')) throw invalidRequest('n', `This model makes one image per request (its workflow binds no batch size); ask for n=1.`);
  if (askedSize(job) && !has('width'))
    throw unsupportedField('size', 'This model makes images of one size (its workflow binds no width and height); leave size out.');
  if (job.images.length > 1) throw invalidRequest('image', `This model takes one input image, not ${job.images.length}.`);
  if (job.images.length === 1 && !has('image')) throw unsupportedField('image', 'This model takes no input image.');
  if (job.mask && !has('mask')) throw unsupportedField('mask', 'This model takes no mask.');
  for (const [name, value] of Object.entries(job.params)) {
    if (value === undefined || name === 'size' || isJobBinding(name)) continue;
    if (!has(name)) throw unsupportedField(name, `This model's workflow has no input for ${name}; leave it out.`);
  }
}

/** The value each bound input takes for this job; a field the job leaves out keeps the template's value. */
function boundValues(t: WorkflowTemplate, job: ImageJob, uploaded: Uploaded, randomSeed: () => number): Map<string, JsonValue> {
  const values = new Map<string, JsonValue>([
    ['prompt', job.prompt],
    ['n', job.n],
  ]);
  const size = askedSize(job);
  if (size) values.set('width', size.width).set('height', size.height);
  if (uploaded.image !== undefined) values.set('image', uploaded.image);
  if (uploaded.mask !== undefined) values.set('mask', uploaded.mask);
  for (const name of t.bindings.keys()) {
    if (isJobBinding(name)) continue;
    const value = job.params[name];
    if (value !== undefined) values.set(name, value);
  }
  if (t.bindings.has('seed') && !values.has('seed')) values.set('seed', randomSeed());
  return values;
}

export function bindWorkflow(t: WorkflowTemplate, job: ImageJob, uploaded: Uploaded, randomSeed: () => number): ApiWorkflow {
  const graph = structuredClone(t.graph);
  for (const [name, value] of boundValues(t, job, uploaded, randomSeed)) {
    const path = t.bindings.get(name);
    if (path) graph[path.node]!.inputs[path.input] = value;
  }
  return graph;
}

/**
 * Sampling steps each node of the graph will run (nodes with a numeric `steps` input): the weights with which
 * progress of several sampling nodes is combined (progress.ts).
 */
export function declaredSteps(graph: ApiWorkflow): Map<string, number> {
  const steps = new Map<string, number>();
  for (const [id, node] of Object.entries(graph)) {
    const s = node.inputs.steps;
    if (typeof s === 'number' && s > 0) steps.set(id, s);
  }
  return steps;
}
