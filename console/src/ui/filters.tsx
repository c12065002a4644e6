/**
 * A row of filters kept in the URL's query string: edited freely, applied together on submit (Enter or the
 * button), so a half-typed id never fires a request. Applying starts again from the first page.
 */
import { useEffect, useState } from 'preact/hooks';
import { useQueryState } from '../router/router.js';
import { Field, TextField } from './form.js';
import { t } from './messages.js';

export interface FilterField {
  name: string;
  label: string;
  type?: 'text' | 'search' | 'datetime-local';
  options?: Array<[value: string, text: string]>;
  placeholder?: string;
}

export function Filters(props: { fields: FilterField[] }) {
  const [q, set] = useQueryState();
  const fromUrl = () => Object.fromEntries(props.fields.map((f) => [f.name, q[f.name] ?? '']));
  const [draft, setDraft] = useState<Record<string, string>>(fromUrl);
  const key = props.fields.map((f) => q[f.name] ?? '').join('\u0000');
  // Back/forward changes the URL: show what it says.
  useEffect(() => setDraft(fromUrl()), [key]);
  const apply = (e: Event) => {
    e.preventDefault();
    set({ ...draft, after: undefined, trail: undefined });
  };
  const clear = () => {
    const empty = Object.fromEntries(props.fields.map((f) => [f.name, '']));
    setDraft(empty);
    set({ ...empty, after: undefined, trail: undefined });
  };
  const any = props.fields.some((f) => q[f.name]);
  return (
    <search>
      <form class="filters" onSubmit={apply}>
        {props.fields.map((f) =>
          f.options ? (
            <Field key={f.name} label={f.label}>
              {(id) => (
                <select id={id} value={draft[f.name]} onChange={(e) => setDraft({ ...draft, [f.name]: e.currentTarget.value })}>
                  <option value="">{t('any')}</option>
                  {f.options?.map(([v, text]) => (
                    <option key={v} value={v}>
                      {text}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <TextField
              key={f.name}
              label={f.label}
              type={f.type ?? 'text'}
              placeholder={f.placeholder}
              value={draft[f.name] ?? ''}
              onValue={(v) => setDraft({ ...draft, [f.name]: v })}
            />
          ),
        )}
        <div class="filter-actions">
          <button type="submit">{t('apply')}</button>
          {any ? (
            <button type="button" class="ghost" onClick={clear}>
              {t('clear')}
            </button>
          ) : null}
        </div>
      </form>
    </search>
  );
}
