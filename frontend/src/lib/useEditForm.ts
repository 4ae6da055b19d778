import { useEffect, useState } from 'react';

/**
 * Form state of a create/edit page. Creating starts from `empty`; editing loads the record once
 * per `id`, after `ready` (e.g. the status that converts quotas), and the form is `null` until
 * then, so the page shows nothing editable and a late answer never overwrites what the user typed.
 */
export function useEditForm<F>(id: string | undefined, empty: F, load: (id: number) => Promise<F>, ready: boolean) {
  const [form, setForm] = useState<F | null>(id ? null : empty);
  const [loadError, setLoadError] = useState('');
  useEffect(() => {
    if (!id || !ready) return;
    let live = true;
    load(Number(id)).then(
      (f) => { if (live) setForm(f); },
      (e: Error) => { if (live) setLoadError(e.message); },
    );
    return () => { live = false; };
    // `load` is a fresh closure each render; the record is loaded once per id.
  }, [id, ready]);
  return { form, setForm, loadError };
}
