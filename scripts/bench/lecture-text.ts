/**
 * The lecture prose the bench uploads: about 1,000 words of a made-up biology lecture, built from
 * fixed paragraphs whose topic, order and asides follow from the lecture number alone, so every
 * run sends the same text for the same number.
 */

interface Topic { subject: string; field: string; place: string; measure: string; example: string; neighbour: string }
const TOPICS: Topic[] = [
  { subject: "osmosis", field: "cell biology", place: "the cell membrane", measure: "water potential", example: "a red blood cell dropped into distilled water", neighbour: "active transport" },
  { subject: "photosynthesis", field: "plant physiology", place: "the chloroplast", measure: "light intensity", example: "a pond weed releasing oxygen bubbles on a sunny afternoon", neighbour: "cellular respiration" },
  { subject: "natural selection", field: "evolutionary biology", place: "an island population of finches", measure: "fitness", example: "beak depth shifting after a long drought", neighbour: "genetic drift" },
  { subject: "enzyme kinetics", field: "biochemistry", place: "the active site", measure: "reaction rate", example: "catalase tearing through hydrogen peroxide", neighbour: "allosteric regulation" },
  { subject: "the action potential", field: "neuroscience", place: "the axon membrane", measure: "membrane voltage", example: "the reflex that pulls your hand off a hot pan", neighbour: "graded potentials" },
  { subject: "DNA replication", field: "molecular genetics", place: "the replication fork", measure: "error rate", example: "a bacterium copying its whole genome in twenty minutes", neighbour: "transcription" },
  { subject: "the carbon cycle", field: "ecology", place: "the atmosphere and the oceans", measure: "carbon flux", example: "a forest growing back after a fire", neighbour: "the nitrogen cycle" },
  { subject: "homeostasis", field: "physiology", place: "the hypothalamus", measure: "core body temperature", example: "shivering while you wait for a bus in January", neighbour: "positive feedback" },
];
const OPENING = (t: Topic, n: number) =>
  `Good morning everyone, and welcome to lecture ${n}. Today we are going to spend the whole hour on ${t.subject}, which sits right at the heart of ${t.field}. If you did the reading, some of this will sound familiar, but I want to rebuild it from the ground up, because the textbook version skips the reasoning that makes it stick. By the end of the session you should be able to explain what happens at ${t.place}, predict how ${t.measure} changes when conditions change, and say clearly how ${t.subject} differs from ${t.neighbour}, which is the confusion I see most often in exam scripts. Please keep your questions coming as we go; there is no such thing as an interruption in this room.`;
const BODY: ((t: Topic) => string)[] = [
  (t) => `Let us start with a concrete picture. Think about ${t.example}. Before we name anything, ask yourself what you would actually see if you could watch it happen. Something moves, something accumulates, and something eventually stops changing. That final steady state is the part students forget. ${t.subject[0]!.toUpperCase() + t.subject.slice(1)} is not a single event but a process that runs until the driving difference is used up, and the speed at which it runs depends on how large that difference is to begin with. Keep that picture in mind, because every definition I give you today is just a more careful way of describing it.`,
  (t) => `Now for the definition you will be asked to write down. In ${t.field}, ${t.subject} describes how a system responds when ${t.measure} is not the same everywhere. The key word is gradient. Where there is a gradient, there is a tendency for things to even out, and ${t.place} is where that evening out is controlled. A common mistake is to treat ${t.place} as a passive wall. It is nothing of the sort: it is selective, it can be regulated, and the cell or the organism spends real energy keeping it that way. If you remember one sentence from today, make it that one.`,
  (t) => `Here is where the numbers come in. Suppose we double ${t.measure}. Does the response double as well? Usually not, and the reason is saturation. At low values the response rises almost in proportion, but the machinery at ${t.place} has a finite capacity, so the curve bends over and flattens. On the exam you will often be given a graph of exactly this shape and asked to explain the plateau. The answer is never that the process stopped; it is that something else became the limiting factor. Practise saying which factor that is for each part of the curve.`,
  (t) => `I want to contrast this with ${t.neighbour}, because the two are constantly mixed up. Both involve ${t.place}, both change ${t.measure}, and both appear in the same chapter, so the confusion is understandable. The difference is the direction and the cost. ${t.subject[0]!.toUpperCase() + t.subject.slice(1)} follows the gradient, while ${t.neighbour} either works against it or depends on an entirely separate input. A useful check is to ask what would happen if you switched off the energy supply. One of them carries on regardless; the other grinds to a halt within minutes.`,
  (t) => `Let me tell you how this was worked out historically, because it explains why the terminology is so awkward. The early experiments on ${t.subject} were done long before anyone could see ${t.place} directly. Researchers inferred its properties from careful measurements of ${t.measure}, changing one condition at a time and recording what happened. Several of their conclusions were wrong in detail but right in spirit, and the names they chose stuck even after the details were corrected. So when a term sounds strange, it is usually a fossil of an older idea rather than a description of the modern one.`,
  (t) => `Why should you care about any of this outside the exam hall? Because ${t.subject} shows up in medicine, agriculture and engineering all the time. When a treatment fails, when a crop wilts, or when a sensor drifts, the explanation often comes back to the principle we have been building today. Think again about ${t.example}: the same logic tells you what will happen in a hospital drip, a greenhouse, or a water filter. The details change, but the pattern of gradient, barrier and limit is remarkably stable across ${t.field} and well beyond it.`,
  (t) => `A quick word on common errors in written answers. First, do not describe ${t.subject} as something that wants to happen; molecules and cells have no intentions, so write about probabilities and gradients instead. Second, always name the structure, in this case ${t.place}, rather than saying the cell or the system does something. Third, when you mention ${t.measure}, say whether it is rising or falling and compared with what. Examiners reward precise comparisons, and vague answers that are technically true still lose most of the marks on these questions.`,
  (t) => `Let us do a short worked problem together. Imagine two compartments separated by ${t.place}, with ${t.measure} higher on the left than on the right. Predict the direction of change, then predict what happens to the rate as time goes on. Most of you will get the direction right. The rate is the interesting part: it is fastest at the start and slows as the difference shrinks, which gives the familiar curved graph. Now add ${t.neighbour} to the picture and ask how the final state differs. Work through that on your own before next week's tutorial.`,
];
const ASIDES = [
  "Does anyone have a question so far? No? Good, then let us push on.",
  "I can see a few puzzled faces, so let me say that again more slowly.",
  "This is a classic exam question, so it is worth writing down.",
  "If you are watching the recording, pause here and sketch the diagram yourself.",
  "We will come back to this idea in two weeks, so do not throw these notes away.",
  "Someone asked me after last lecture whether this is on the syllabus. It is.",
];
const CLOSING = (t: Topic) =>
  `To wrap up: ${t.subject} is driven by differences in ${t.measure}, controlled at ${t.place}, and limited by capacity once the gradient is large. It differs from ${t.neighbour} in direction and in cost, and the history of the subject explains its odd vocabulary. For next time, reread the section on ${t.field} methods and try the practice questions at the end of the chapter. Thank you all, and see you on Thursday.`;

/** About 1,000 words of lecture prose; the topic, paragraph order and asides vary with `n`. */
export function lectureText(n: number): string {
  let seed = (n * 2654435761) >>> 0;
  const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const topic = TOPICS[n % TOPICS.length]!;
  const body = [...BODY].sort(() => random() - 0.5).slice(0, 6 + (n % 3));
  const paragraphs = [OPENING(topic, (n % 24) + 1), ...body.map((p) => p(topic) + (random() < 0.5 ? ` ${ASIDES[Math.floor(random() * ASIDES.length)]}` : "")), CLOSING(topic)];
  return paragraphs.join("\n\n") + "\n";
}
