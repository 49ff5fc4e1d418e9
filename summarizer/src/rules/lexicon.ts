// Closed word classes the rules reason over. Everything here is lowercase and immutable.

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/));

export const FILLERS = set('um uh umm uhh erm er hmm mm mhm ah eh');

/** Laughter tokens: a commitment right after one is usually a joke. */
export const LAUGHTER = set('ha haha hahaha heh lol hah');

/** Words that may open a clause without carrying content ("okay, so, …"). */
export const LEADERS = set(
  'and so also then okay ok alright right well oh um uh yeah yes yep yup sure great good perfect fine cool ' +
    'actually honestly anyway now plus but just nice thanks wait look listen basically totally absolutely definitely ' +
    'hey hmm first second finally lastly like noted understood fair cool awesome excellent gotcha sorry no nope',
);

/** Discourse markers that start a new clause even without punctuation (ASR text). */
export const CLAUSE_OPENERS = set('okay ok alright so actually anyway yeah yep thanks perfect');

export const SUBJECT_PRONOUNS = set('i we you he she they it that this there someone somebody everyone nobody');

export const MODALS = set('will would can could should shall may might must');

export const AUX = set(
  'will would can could should shall may might must am is are was were be been being have has had do does did ' +
    'need needs got going',
);

export const PREPOSITIONS = set(
  'to for with from at in on by of about into onto over under after before until till than through across ' +
    'against between without within per via around like toward towards upon',
);

export const SUBORDINATORS = set(
  'if when because since before after until till unless once while whether though although as where that which who ' +
    'whom whose what how why whoever whatever',
);

export const CONJUNCTIONS = set('and or but nor');

export const DETERMINERS = set(
  'the a an our their his her your my its this that these those all every each some any both another either ' +
    'no several',
);

export const OBJECT_PRONOUNS = set('it that this them those these one');

export const WH_WORDS = set('what who where when why how which whoever');

export const NEGATORS = set('not never no nobody nothing neither');

/** Stopwords for "content word" counting inside the rules (not the evaluation's list). */
export const STOPWORDS = set(
  'a an the and or but nor so to of for with from at in on by about into onto over under after before until than ' +
    'i me my mine we us our ours you your yours he him his she her hers they them their theirs it its this that ' +
    'these those there here who whom whose what which when where why how all any both each every some such no not ' +
    'only own same too very just also then now well even still really quite maybe probably perhaps actually ' +
    'honestly basically is am are was were be been being have has had having do does did doing will would can ' +
    "could should shall may might must need needs get gets got go going gonna make let lets let's please okay ok " +
    'yeah yes yep sure right um uh like one ones thing things something anything everything nothing up out off ' +
    'as if because since while though once again back more most less least other another either myself yourself ' +
    'ourselves themselves',
);

export const WEEKDAYS: readonly string[] = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

export const MONTHS: readonly string[] = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

export const MONTH_ABBREV: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  sept: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Time words: noun phrases made of them are never antecedents or task objects. */
export const TIME_WORDS = set(
  'today tomorrow tonight yesterday morning afternoon evening night week weeks month months quarter year years day ' +
    'days hour hours minute minutes time sprint eod monday tuesday wednesday thursday friday saturday sunday weekend ' +
    'now later soon asap',
);

/** Heads of noun phrases that talk about the meeting rather than about work. */
export const META_NOUNS = set(
  'thing things item question point part idea way lot bit call meeting session topic note context agenda start ' +
    'end everyone everybody anyone somebody someone folks guys team',
);

/** Verbs of talking inside the meeting: "let's start", "we need to decide" are not work items. */
export const MEETING_VERBS = set(
  'start begin continue talk discuss decide pick choose agree settle recap summarize summarise wrap move go ' +
    'dive kick circle jump hear think chat touch cover vote',
);

/** "let's <verb>" with these verbs settles a question: a decision, not a task. */
export const DECISION_VERBS = set(
  'keep leave hold skip drop cut cap move postpone push use switch adopt pick choose freeze honor honour retire ' +
    'ship launch stay stick limit wait table defer delay extend pause stop remove kill scrap approve accept reject ' +
    'set standardize standardise default target prioritize prioritise deprioritize deprioritise',
);

/** Main verbs after "I'll"/"let me" that describe talk in the meeting itself, not future work. */
export const SELF_META_VERBS = set(
  'be say start begin recap summarize summarise admit think see mention jump hop echo repeat stop know understand ' +
    'entertain',
);

/** Words that end an acceptance-only utterance ("will do", "on it"). */
export const ACCEPT_WORDS = set(
  'sure yes yep yeah yup ok okay absolutely definitely certainly fine deal done gladly happily totally noted',
);

/** Adverbs and hedges removed from task text. */
export const TASK_NOISE = set(
  'um uh just also actually really quickly probably maybe hopefully definitely please too myself yourself ' +
    'personally basically honestly still',
);

/** Light verbs whose object carries the meaning ("do it", "take that"). */
export const LIGHT_VERBS = set('do take handle own get have cover grab run');

/** Addressing the whole room: "Everyone, please …". */
export const GROUP_VOCATIVES = set("everyone everybody folks team guys y'all");

/** Leaders that are also adjectives: "great job" is content, "great, thanks" is not. */
export const ADJECTIVE_LEADERS = set('great good nice perfect fine cool awesome excellent fair');

export const PAST_MARKERS = set('yesterday already ago last earlier');
