/**
 * The form fields of one operation, generated from the model's public contract: only the fields the
 * operation accepts, each as its rule says (a list of values → a choice, a range → a number, a size rule →
 * a free WxH with the listed sizes offered). An empty choice means "the model's default" and is not sent.
 */
import { useId } from 'preact/hooks';
import { Field } from '../../ui/form.js';
import { type FieldView, fieldRule, OWN_FIELDS, type OperationContract, type PublicContract } from './contract.js';
import { t } from './messages.js';

export function ContractFields(props: {
  contract: PublicContract;
  operation: OperationContract;
  values: Record<string, string>;
  onValue: (name: string, value: string) => void;
}) {
  const { contract, values, onValue } = props;
  const size = fieldRule(contract, 'size');
  const names = props.operation.fields.filter((n) => !OWN_FIELDS.has(n));
  return (
    <div class="grid">
      {size ? <SizeField rule={size} value={values.size ?? ''} onValue={(v) => onValue('size', v)} /> : null}
      {names.map((name) => (
        <RuleField key={name} name={name} rule={fieldRule(contract, name) ?? {}} value={values[name] ?? ''} onValue={(v) => onValue(name, v)} />
      ))}
      <RuleField
        name="response_format"
        rule={fieldRule(contract, 'response_format') ?? {}}
        value={values.response_format ?? ''}
        onValue={(v) => onValue('response_format', v)}
      />
    </div>
  );
}

function defaultLabel(rule: FieldView): string {
  return rule.default !== undefined ? t('defaultIs', { value: String(rule.default) }) : t('modelDefault');
}

function RuleField(props: { name: string; rule: FieldView; value: string; onValue: (v: string) => void }) {
  const { name, rule, value, onValue } = props;
  if (rule.values?.length || rule.type === 'boolean') {
    const options = rule.values?.length ? rule.values.map(String) : ['true', 'false'];
    return (
      <Field label={name} hint={rule.description}>
        {(id) => (
          <select id={id} name={name} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
            <option value="">{defaultLabel(rule)}</option>
            {options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  }
  const numeric = rule.type === 'integer' || rule.type === 'number';
  const range = rule.min !== undefined || rule.max !== undefined ? t('range', { min: rule.min ?? '…', max: rule.max ?? '…' }) : undefined;
  return (
    <Field label={name} hint={range ?? rule.description}>
      {(id) =>
        numeric ? (
          <input
            id={id}
            name={name}
            type="number"
            min={rule.min}
            max={rule.max}
            step={rule.type === 'integer' ? 1 : 'any'}
            placeholder={defaultLabel(rule)}
            value={value}
            onInput={(e) => onValue(e.currentTarget.value)}
          />
        ) : (
          <input
            id={id}
            name={name}
            type="text"
            maxLength={rule.max_length}
            placeholder={defaultLabel(rule)}
            value={value}
            onInput={(e) => onValue(e.currentTarget.value)}
          />
        )
      }
    </Field>
  );
}

/** Listed sizes (and resolution tiers) to pick from; with a free-form rule, any WxH may be typed too. */
function SizeField(props: { rule: FieldView; value: string; onValue: (v: string) => void }) {
  const listId = useId();
  const listed = [...(props.rule.values ?? []).map(String), ...(props.rule.tiers ?? [])];
  if (!props.rule.rule) return <RuleField name="size" rule={{ ...props.rule, values: listed }} value={props.value} onValue={props.onValue} />;
  return (
    <Field label="size" hint={props.rule.rule}>
      {(id) => (
        <>
          <input id={id} name="size" list={listId} placeholder={t('modelDefault')} value={props.value} onInput={(e) => props.onValue(e.currentTarget.value)} />
          <datalist id={listId}>
            {listed.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
        </>
      )}
    </Field>
  );
}
