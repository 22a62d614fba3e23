// One colour per emotion, shared by every drawing of results (the CLI's annotated images and drawResults on a
// canvas), so a label looks the same wherever it is drawn.
export type RGB = [number, number, number];

export const EMOTION_COLORS: Readonly<Record<string, RGB>> = {
  angry: [230, 40, 40], disgust: [120, 170, 30], fear: [150, 60, 200], happy: [250, 200, 0],
  sad: [40, 110, 230], surprise: [250, 120, 0], neutral: [200, 200, 200],
};

/** Labels outside the seven emotions (a model with other classes) are drawn in green. */
export const OTHER_COLOR: RGB = [0, 255, 0];

export const colorOf = (label: string): RGB => EMOTION_COLORS[label] ?? OTHER_COLOR;
