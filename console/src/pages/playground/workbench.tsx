/**
 * The playground's working area once it has a key: the model picker, the model's operations as tabs, the
 * form its contract generates, the quote, "Copy as code", and the runs.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiError } from '../../api/client.js';
import { useQueryState } from '../../router/router.js';
import { ActionForm, Field } from '../../ui/form.js';
import { money } from '../../ui/format.js';
import { asApiError, ErrorNote, Loading } from '../../ui/status.js';
import { CodeSnippets } from './code-snippets.js';
import { ContractFields } from './contract-fields.js';
import { fieldRule, type ModelDetail, type ModelListItem, type Operation, operationsOf, type Price } from './contract.js';
import { ImageInputs } from './image-inputs.js';
import { type PlaygroundKey, playgroundKey } from './key.js';
import { t } from './messages.js';
import { getModel, listModels } from './public-api.js';
import { quoteOf } from './quote.js';
import { buildRequest, type FileRef, type FormValues, type ImageInput } from './request.js';
import { Results, type RunView } from './results.js';
import { startRun } from './run.js';

function priceText(p: Price): string {
  if (p.per_million_tokens) return t('priceTokens');
  const by = Object.values(p.per_image_by ?? {});
  if (by.length) return t('priceFrom', { price: money(Math.min(...by, p.per_image ?? Number.MAX_SAFE_INTEGER), p.currency) });
  if (p.per_megapixel) return t('pricePerMp', { price: money(p.per_megapixel, p.currency) });
  return t('pricePerImage', { price: money(p.per_image ?? 0, p.currency) });
}

export function Workbench(props: { apiKey: PlaygroundKey }) {
  const [q, setQ] = useQueryState();
  const [models, setModels] = useState<ModelListItem[]>();
  const [details, setDetails] = useState<Record<string, ModelDetail>>({});
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    // Only the models the key may use: the account's key policy may narrow the catalog.
    const allowed = props.apiKey.models;
    const usable = (m: ModelListItem) => !allowed || allowed.includes(m.id) || m.imagegate.aliases.some((a) => allowed.includes(a));
    listModels(props.apiKey.secret).then(
      (all) => setModels(all.filter(usable)),
      (e: unknown) => setError(asApiError(e)),
    );
  }, [props.apiKey]);
  const modelId = q.model ?? models?.[0]?.id;
  useEffect(() => {
    if (!modelId || details[modelId]) return;
    getModel(props.apiKey.secret, modelId).then(
      (d) => setDetails((all) => ({ ...all, [modelId]: d })),
      (e: unknown) => setError(asApiError(e)),
    );
  }, [modelId, props.apiKey]);

  if (error) return <ErrorNote error={error} />;
  if (!models) return <Loading what={t('loadingModels')} />;
  if (!models.length) return <p class="note empty">{t('noModels')}</p>;
  const detail = modelId ? details[modelId] : undefined;
  return (
    <>
      <div class="grid">
        <Field label={t('model')}>
          {(id) => (
            <select id={id} value={modelId} onChange={(e) => setQ({ model: e.currentTarget.value, op: undefined })}>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {details[m.id] ? `${m.id} — ${priceText(details[m.id]!.imagegate.public_contract.price)}` : m.id}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {detail ? (
        <ModelForm key={detail.id} model={detail} op={q.op as Operation | undefined} onOp={(op) => setQ({ op })} />
      ) : (
        <Loading what={t('loadingModel')} />
      )}
    </>
  );
}

let runCount = 0;

const emptyValues = (model: string, operation: Operation): FormValues => ({ model, operation, prompt: '', n: 1, fields: {}, images: [], mask: null });

function ModelForm(props: { model: ModelDetail; op: Operation | undefined; onOp: (op: Operation) => void }) {
  const contract = props.model.imagegate.public_contract;
  const ops = operationsOf(contract);
  const op = ops.find((o) => o.operation === props.op) ?? ops[0]!;
  const [values, setValues] = useState<FormValues>(() => emptyValues(props.model.id, op.operation as Operation));
  const [runs, setRuns] = useState<RunView[]>([]);
  // A new tab starts its own fields and images, and keeps what was written: the prompt and the count.
  useEffect(() => setValues((v) => ({ ...emptyValues(props.model.id, op.operation as Operation), prompt: v.prompt, n: v.n })), [op.operation]);
  const patch = (p: Partial<FormValues>) => setValues((v) => ({ ...v, ...p }));
  const request = useMemo(() => buildRequest(contract, op.endpoint, values), [contract, op.endpoint, values]);
  const quote = quoteOf(contract.price, {
    n: values.n,
    prompt: values.prompt,
    quality: values.fields.quality,
    size: values.fields.size,
    resolution: values.fields.resolution,
    images: values.images.length,
    inputFidelity: values.fields.input_fidelity,
  });
  const promptRule = fieldRule(contract, 'prompt');
  const update = (id: number, p: Partial<RunView>) => setRuns((all) => all.map((r) => (r.id === id ? { ...r, ...p } : r)));

  return (
    <>
      {props.model.imagegate.description ? <p class="muted">{props.model.imagegate.description}</p> : null}
      <div class="tabs" role="tablist" aria-label={t('operations')}>
        {ops.map((o) => (
          <button key={o.operation} type="button" role="tab" aria-selected={o.operation === op.operation} onClick={() => props.onOp(o.operation as Operation)}>
            {t(`op_${o.operation as Operation}`)}
          </button>
        ))}
      </div>
      <ActionForm
        submit={t('run')}
        action={async () => {
          const id = ++runCount;
          const view: RunView = { id, model: values.model, operation: op.operation, quote, currency: contract.price.currency, state: 'sending', images: [] };
          setRuns((all) => [view, ...all]);
          const key = await playgroundKey();
          await startRun(key.secret, request, (p) => update(id, p));
        }}
      >
        {op.operation !== 'variation' ? (
          <Field label={t('prompt')} wide hint={contract.mode === 'async' ? t('asyncModel') : undefined}>
            {(id) => (
              <textarea
                id={id}
                name="prompt"
                rows={3}
                maxLength={promptRule?.max_length}
                value={values.prompt}
                onInput={(e) => patch({ prompt: e.currentTarget.value })}
              />
            )}
          </Field>
        ) : null}
        <ImageInputs
          operation={op}
          images={values.images}
          onImages={(images: ImageInput[]) => patch({ images })}
          onMask={(mask: FileRef | null) => patch({ mask })}
        />
        <div class="grid">
          <Field label="n" hint={t('range', { min: 1, max: contract.max_n })}>
            {(id) => (
              <input
                id={id}
                name="n"
                type="number"
                min={1}
                max={contract.max_n}
                value={values.n}
                onInput={(e) => patch({ n: Number(e.currentTarget.value) || 1 })}
              />
            )}
          </Field>
        </div>
        <ContractFields contract={contract} operation={op} values={values.fields} onValue={(name, v) => patch({ fields: { ...values.fields, [name]: v } })} />
        <p class="quote" aria-live="polite">
          {quote.estimate ? t('quoteUpTo') : t('quote')}: <strong data-quote={quote.amount}>{money(quote.amount, contract.price.currency)}</strong>
        </p>
      </ActionForm>
      <CodeSnippets request={request} />
      <h2>{t('results')}</h2>
      <Results runs={runs} />
    </>
  );
}
