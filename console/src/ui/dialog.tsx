/** A modal dialog on the native <dialog>: focus moves in, Escape closes it, focus returns to the opener. */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import { t } from './messages.js';
import { asApiError, ErrorNote } from './status.js';

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  // Read while the dialog first renders, right after the click that asked for it: an effect runs later,
  // when the focus may have moved.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  // Opened as soon as it is in the DOM, not after the next paint, so no key press lands in between.
  useLayoutEffect(() => {
    const d = ref.current;
    if (!d) return;
    d.showModal();
    return () => {
      d.close();
      opener?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        // Escape: let the page decide (it unmounts the dialog), so state and the DOM agree.
        e.preventDefault();
        props.onClose();
      }}
    >
      <div class="dialog-head">
        <h2 id="dialog-title">{props.title}</h2>
        <button type="button" class="ghost" onClick={props.onClose} aria-label={t('close')}>
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** Asks before an action that cannot be undone. */
export function Confirm(props: { title: string; message: ComponentChildren; confirm: string; onConfirm: () => Promise<void>; onClose: () => void }) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <ConfirmButtons {...props} />
    </Dialog>
  );
}

function ConfirmButtons(props: { confirm: string; onConfirm: () => Promise<void>; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const go = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (e) {
      setError(asApiError(e));
      setBusy(false);
    }
  };
  return (
    <>
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          {t('cancel')}
        </button>
        <button type="button" class="danger" onClick={go} disabled={busy}>
          {busy ? t('working') : props.confirm}
        </button>
      </div>
    </>
  );
}
