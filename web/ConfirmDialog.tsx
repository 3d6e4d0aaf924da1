// A modal question before a change: the browser's <dialog> keeps focus inside and closes on Escape.
import { useEffect, useRef, useState } from 'react';

export function ConfirmDialog({ title, body, confirmLabel, onConfirm, onCancel }: {
  title: string; body: string; confirmLabel: string; onConfirm: (reason: string) => void; onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onCancel={onCancel} className="confirm">
      <form method="dialog" onSubmit={(e) => { e.preventDefault(); onConfirm(reason.trim()); }}>
        <h2 id="confirm-title">{title}</h2>
        <p>{body}</p>
        <label>
          <span>Reason, for the timeline (optional)</span>
          <input type="text" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </label>
        <p className="buttons">
          <button type="submit" className="primary">{confirmLabel}</button>
          <button type="button" onClick={onCancel}>Cancel</button>
        </p>
      </form>
    </dialog>
  );
}
