// The flow's JSON in a plain <textarea> with line numbers (no wrapping, so a number is a line),
// lines with a problem marked in the gutter; `reveal` selects a line, scrolls to it and focuses
// the editor (a problem chosen from the list), or only scrolls to it (a step chosen in the graph,
// whose keyboard focus stays there).
import { useEffect, useRef, type ChangeEvent } from "react";

/** Must match .json-editor's line-height in styles (px). */
const LINE_HEIGHT = 20;

export interface Reveal {
  line: number;
  /** Changes on every request, so the same line can be revealed twice. */
  seq: number;
  /** Select the line and move the focus to the editor; otherwise only scroll to it. */
  focus: boolean;
}

interface JsonEditorProps {
  id: string;
  value: string;
  onChange(value: string): void;
  readOnly: boolean;
  problemLines: ReadonlySet<number>;
  reveal: Reveal | null;
  /** The caret moved (typing, clicking, arrows): its offset in the text. */
  onCaret(offset: number): void;
  describedBy?: string;
}

export function JsonEditor({ id, value, onChange, readOnly, problemLines, reveal, onCaret, describedBy }: JsonEditorProps) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split("\n").length;

  useEffect(() => {
    const element = area.current;
    if (!reveal || !element) return;
    const text = element.value;
    let start = 0;
    for (let line = 1; line < reveal.line; line += 1) {
      const next = text.indexOf("\n", start);
      if (next < 0) break;
      start = next + 1;
    }
    const end = text.indexOf("\n", start);
    if (reveal.focus) {
      element.focus({ preventScroll: true });
      element.setSelectionRange(start, end < 0 ? text.length : end);
    }
    element.scrollTop = Math.max(0, (reveal.line - 4) * LINE_HEIGHT);
  }, [reveal]);

  const syncScroll = () => {
    if (gutter.current && area.current) gutter.current.scrollTop = area.current.scrollTop;
  };

  return (
    <div className="json-editor">
      <div className="json-gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, index) => (
          <div key={index} className={problemLines.has(index + 1) ? "json-line-problem" : undefined}>
            {index + 1}
          </div>
        ))}
      </div>
      <textarea
        id={id}
        ref={area}
        value={value}
        onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onChange(event.target.value)}
        onScroll={syncScroll}
        onSelect={(event) => onCaret(event.currentTarget.selectionStart)}
        readOnly={readOnly}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        wrap="off"
        aria-describedby={describedBy}
      />
    </div>
  );
}
