import { useMemo } from 'react';
import { marked } from 'marked';
import DOMPurify from 'dompurify';

/** Render admin-provided markdown / HTML content, or an iframe when it is a URL. */
export function Markdown({ content }: { content: string }) {
  const trimmed = content.trim();
  const isUrl = /^https?:\/\/\S+$/.test(trimmed);
  const html = useMemo(
    () => (isUrl ? '' : DOMPurify.sanitize(marked.parse(trimmed, { async: false }) as string)),
    [trimmed, isUrl],
  );
  if (isUrl) return <iframe className="content-frame" src={trimmed} title="content" />;
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
