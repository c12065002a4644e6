/**
 * The images an operation takes: image-to-image takes uploads and URLs (up to the contract's maximum); edit
 * takes one upload with the mask painter over it; variation takes one upload.
 */
import { useState } from 'preact/hooks';
import { Field } from '../../ui/form.js';
import type { OperationContract } from './contract.js';
import { MaskPainter } from './mask-painter.js';
import { t } from './messages.js';
import type { FileRef, ImageInput } from './request.js';

const fileRef = (f: File): FileRef => ({ name: f.name || 'image.png', blob: f });

export function ImageInputs(props: {
  operation: OperationContract;
  images: ImageInput[];
  onImages: (images: ImageInput[]) => void;
  onMask: (mask: FileRef | null) => void;
}) {
  const op = props.operation.operation;
  if (op === 'text-to-image') return null;
  const rules = props.operation.reference_images;
  const accept = rules?.formats?.length ? rules.formats.map((f) => `image/${f}`).join(',') : 'image/*';
  const limits = rules ? t('imageRules', { max: rules.max ?? 1, mb: Math.round((rules.max_bytes ?? 0) / 1048576) }) : undefined;
  if (op === 'image-to-image') return <References {...props} accept={accept} hint={limits} max={rules?.max ?? 1} />;
  const first = props.images.find((i): i is Extract<ImageInput, { kind: 'file' }> => i.kind === 'file');
  return (
    <>
      <Field label={t('image')} hint={[limits, rules?.square ? t('square') : ''].filter(Boolean).join(' ')}>
        {(id) => (
          <input
            id={id}
            type="file"
            accept={accept}
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              props.onMask(null);
              props.onImages(f ? [{ kind: 'file', file: fileRef(f) }] : []);
            }}
          />
        )}
      </Field>
      {op === 'edit' && first ? <MaskPainter image={first.file} onMask={props.onMask} /> : null}
    </>
  );
}

function References(props: { images: ImageInput[]; onImages: (images: ImageInput[]) => void; accept: string; hint?: string; max: number }) {
  const [url, setUrl] = useState('');
  const add = (more: ImageInput[]) => props.onImages([...props.images, ...more].slice(0, props.max));
  return (
    <div class="references">
      <div class="grid">
        <Field label={t('uploadImages')} hint={props.hint}>
          {(id) => (
            <input
              id={id}
              type="file"
              accept={props.accept}
              multiple
              onChange={(e) => {
                add([...(e.currentTarget.files ?? [])].map((f) => ({ kind: 'file' as const, file: fileRef(f) })));
                e.currentTarget.value = '';
              }}
            />
          )}
        </Field>
        <Field label={t('imageUrl')}>
          {(id) => (
            <div class="inline-row">
              <input id={id} type="url" placeholder="https://…" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
              <button
                type="button"
                disabled={!url.trim()}
                onClick={() => {
                  add([{ kind: 'url', url: url.trim() }]);
                  setUrl('');
                }}
              >
                {t('add')}
              </button>
            </div>
          )}
        </Field>
      </div>
      {props.images.length ? (
        <ul class="reference-list">
          {props.images.map((img, i) => (
            <li key={i}>
              {img.kind === 'file' ? img.file.name : img.url}{' '}
              <button
                type="button"
                class="small"
                onClick={() => props.onImages(props.images.filter((_, j) => j !== i))}
                aria-label={t('removeImage', { i: i + 1 })}
              >
                {t('remove')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
