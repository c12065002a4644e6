/**
 * The mask painter: the uploaded image with a paint layer over it at the image's own pixel size (the page
 * scales both alike), brush and eraser with a size, clear, invert and undo. After every change it hands up
 * the mask PNG (mask.ts), or null when nothing is painted.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from './messages.js';
import { exportMask, invertedLayer } from './mask.js';
import type { FileRef } from './request.js';

const BRUSH_RGB = [230, 0, 90] as const;
const UNDO_DEPTH = 20;

export function MaskPainter(props: { image: FileRef; onMask: (mask: FileRef | null) => void }) {
  const layer = useRef<HTMLCanvasElement>(null);
  const [src, setSrc] = useState<string>();
  const [dims, setDims] = useState<{ width: number; height: number }>();
  const [tool, setTool] = useState<'brush' | 'eraser'>('brush');
  const [size, setSize] = useState(32);
  const [maskUrl, setMaskUrl] = useState<string>();
  const undo = useRef<ImageData[]>([]);
  const last = useRef<{ x: number; y: number } | null>(null);
  const [undoable, setUndoable] = useState(0);

  useEffect(() => {
    const url = URL.createObjectURL(props.image.blob);
    setSrc(url);
    undo.current = [];
    setUndoable(0);
    return () => URL.revokeObjectURL(url);
  }, [props.image]);
  useEffect(() => () => maskUrl && URL.revokeObjectURL(maskUrl), [maskUrl]);

  const onLoad = (e: Event) => {
    const img = e.currentTarget as HTMLImageElement;
    setDims({ width: img.naturalWidth, height: img.naturalHeight });
    setSize(Math.max(4, Math.round(Math.min(img.naturalWidth, img.naturalHeight) / 12)));
    props.onMask(null);
  };

  const ctx = () => layer.current?.getContext('2d', { willReadFrequently: true }) ?? null;
  const snapshot = () => {
    const c = ctx();
    if (!c || !dims) return;
    undo.current = [...undo.current.slice(1 - UNDO_DEPTH), c.getImageData(0, 0, dims.width, dims.height)];
    setUndoable(undo.current.length);
  };
  const changed = async () => {
    if (!layer.current) return;
    const blob = await exportMask(layer.current);
    props.onMask(blob ? { name: 'mask.png', blob } : null);
    setMaskUrl(blob ? URL.createObjectURL(blob) : undefined);
  };
  /** Pointer position in the image's own pixels. */
  const at = (e: PointerEvent) => {
    const c = layer.current!;
    const r = c.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * c.width) / r.width, y: ((e.clientY - r.top) * c.height) / r.height };
  };
  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const c = ctx();
    if (!c) return;
    c.globalCompositeOperation = tool === 'eraser' ? 'destination-out' : 'source-over';
    c.strokeStyle = c.fillStyle = `rgb(${BRUSH_RGB.join(',')})`;
    c.lineWidth = size;
    c.lineCap = c.lineJoin = 'round';
    c.beginPath();
    if (from.x === to.x && from.y === to.y) {
      // Canvas drops a zero-length line, caps and all: a click paints a dot of the brush's size instead.
      c.arc(to.x, to.y, size / 2, 0, 2 * Math.PI);
      c.fill();
      return;
    }
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
  };
  const down = (e: PointerEvent) => {
    e.preventDefault();
    (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
    snapshot();
    const p = at(e);
    last.current = p;
    stroke(p, p);
  };
  const move = (e: PointerEvent) => {
    if (!last.current) return;
    const p = at(e);
    stroke(last.current, p);
    last.current = p;
  };
  const up = () => {
    if (!last.current) return;
    last.current = null;
    void changed();
  };
  const clear = () => {
    snapshot();
    ctx()?.clearRect(0, 0, dims!.width, dims!.height);
    void changed();
  };
  const invert = () => {
    const c = ctx();
    if (!c || !dims) return;
    snapshot();
    const now = c.getImageData(0, 0, dims.width, dims.height).data;
    c.putImageData(new ImageData(invertedLayer(now, BRUSH_RGB), dims.width, dims.height), 0, 0);
    void changed();
  };
  const back = () => {
    const prev = undo.current.pop();
    setUndoable(undo.current.length);
    if (prev) ctx()?.putImageData(prev, 0, 0);
    void changed();
  };

  return (
    <div class="mask-painter">
      <div class="painter-tools" role="toolbar" aria-label={t('maskTools')}>
        <fieldset class="segmented">
          <legend class="sr-only">{t('tool')}</legend>
          <button type="button" aria-pressed={tool === 'brush'} onClick={() => setTool('brush')}>
            {t('brush')}
          </button>
          <button type="button" aria-pressed={tool === 'eraser'} onClick={() => setTool('eraser')}>
            {t('eraser')}
          </button>
        </fieldset>
        <label class="inline">
          {t('brushSize', { px: size })}
          <input
            type="range"
            min={2}
            max={dims ? Math.max(64, Math.round(Math.min(dims.width, dims.height) / 3)) : 256}
            value={size}
            onInput={(e) => setSize(Number(e.currentTarget.value))}
          />
        </label>
        <button type="button" onClick={back} disabled={undoable === 0}>
          {t('undo')}
        </button>
        <button type="button" onClick={clear}>
          {t('clear')}
        </button>
        <button type="button" onClick={invert}>
          {t('invert')}
        </button>
        {maskUrl ? (
          <a class="button" href={maskUrl} download="mask.png">
            {t('downloadMask')}
          </a>
        ) : null}
      </div>
      <div class="painter">
        {src ? <img src={src} alt={t('imageToEdit')} onLoad={onLoad} /> : null}
        {dims ? (
          <canvas
            key={src}
            ref={layer}
            width={dims.width}
            height={dims.height}
            aria-label={t('maskCanvas', { w: dims.width, h: dims.height })}
            onPointerDown={down}
            onPointerMove={move}
            onPointerUp={up}
            onPointerCancel={up}
          />
        ) : null}
      </div>
      <p class="muted small">{dims ? t('maskHint', { w: dims.width, h: dims.height }) : null}</p>
    </div>
  );
}
