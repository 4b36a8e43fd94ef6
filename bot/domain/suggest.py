"""Skills suggested from a question's text, for the member to confirm: skills and aliases
named in it, code-fence languages, file names, and the error, command and package names
that give a technology away (a Python traceback, `npm ERR!`, `kubectl`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.skills import Taxonomy

# How much each kind of evidence counts. A skill is suggested once it reaches SHOWN.
NAMED = 2.0  # the skill or one of its aliases, in words
FENCE = 3.0  # ```lang
FILE = 2.5  # a file name or extension
CUE = 2.5  # an error, command, API or package name
WEAK_CUE = 1.0  # a word that leans one way (a "container", a "pipeline")
PARENT = 0.5  # share of a library's evidence that goes to its language
SHOWN = 1.5

# Skill names that are also ordinary words or names ("I'll go with", "Julia from my team"):
# they count only in a technical sentence (see _in_tech_context) or written as a name
# mid-sentence; other evidence (a fence, a file) counts for them as for any skill.
AMBIGUOUS = frozenset(
    {
        "go",
        "bash",
        "python",
        "rust",
        "swift",
        "express",
        "spring",
        "react",
        "c",
        "r",
        "dart",
        "julia",
        "ruby",
        "spark",
        "helm",
        "angular",
        "flask",
        "ai",
        "ui",
        "ux",
        "remote",
        "auth",
        "career",
        "docs",
        "rest",
        "node",
        "vim",
        "git",
        "resume",
        "management",
        "leadership",
        "communication",
        "onboarding",
        "productivity",
        "debugging",
        "testing",
        "documentation",
        "security",
        "statistics",
        "stats",
        "interviews",
        "mentoring",
        "mentorship",
        "negotiation",
        "freelance",
        "ml",
        "dl",
        "fp",
        "cv",
        "oss",
    }
)

# Words that make a sentence technical, for the ambiguous names above.
_TECH_WORDS = re.compile(
    r"\b(?:code|coding|program|programming|error|errors|exception|bug|bugs|compile[rds]?|"
    r"compiling|library|libraries|crate|package|module|function|functions|framework|syntax|"
    r"api|app|apps|server|backend|frontend|component|components|project|script|install|"
    r"installed|deploy|deployment|build|version|runtime|variable|class|method|struct|"
    r"query|database|repo|repository|test|tests|debug|debugger|lang|language|developer|"
    r"dev|stack|trace|import|async|thread|memory|pointer|type|types|generic|generics|"
    r"macro|compiles|endpoint|route|routes|middleware|hook|hooks|props|state|cluster|"
    r"pipeline|container|model|training|dataset|notebook|interview|interviews|job|jobs|"
    r"hiring|recruiter|salary|manager|team|career|portfolio|resume|offer|csv|json|yaml|"
    r"xml|regex|parse|parsing|parser|loop|loops|array|arrays|dict|dictionary|string|"
    r"strings|terminal|cli|command|file|files)\b",
    re.IGNORECASE,
)
# An ambiguous name reads as the skill after these ("written in Go", "learning Rust"); after
# the strong ones even in a sentence with no other technical word ("how do I do X in python").
_STRONG_LEAD_INS = frozenset({"in", "learn", "learning", "using"})
_LEAD_INS = frozenset(
    {"in", "with", "using", "learn", "learning", "use", "into", "about", "for", "on", "of"}
)

# ```lang: the languages code fences name, when the name isn't a skill or alias itself.
FENCE_LANGUAGES: dict[str, tuple[str, ...]] = {
    "python3": ("python",),
    "py3": ("python",),
    "pycon": ("python",),
    "jsx": ("react", "javascript"),
    "tsx": ("react", "typescript"),
    "sh": ("bash",),
    "zsh": ("bash",),
    "console": ("bash",),
    "shell-session": ("bash",),
    "dockerfile": ("docker",),
    "docker": ("docker",),
    "hcl": ("terraform",),
    "tf": ("terraform",),
    "psql": ("postgresql", "sql"),
    "pgsql": ("postgresql", "sql"),
    "plpgsql": ("postgresql", "sql"),
    "mysql": ("mysql", "sql"),
    "tsql": ("sql-server", "sql"),
    "cs": ("c#",),
    "cc": ("c++",),
    "hpp": ("c++",),
    "kt": ("kotlin",),
    "kts": ("kotlin",),
    "rs": ("rust",),
    "rb": ("ruby",),
    "golang": ("go",),
    "scss": ("sass",),
    "gql": ("graphql",),
    "hs": ("haskell",),
    "ex": ("elixir",),
    "exs": ("elixir",),
    "erl": ("erlang",),
    "clj": ("clojure",),
    "nasm": ("assembly",),
    "wat": ("webassembly",),
    "jl": ("julia",),
    "pl": ("perl",),
    "objc": ("ios",),
    "objective-c": ("ios",),
}

# File extensions and well-known file names.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "py": ("python",),
    "pyi": ("python",),
    "ipynb": ("jupyter", "python"),
    "js": ("javascript",),
    "mjs": ("javascript",),
    "cjs": ("javascript",),
    "jsx": ("react", "javascript"),
    "ts": ("typescript",),
    "tsx": ("react", "typescript"),
    "rs": ("rust",),
    "go": ("go",),
    "rb": ("ruby",),
    "java": ("java",),
    "kt": ("kotlin",),
    "kts": ("kotlin",),
    "cs": ("c#",),
    "csproj": ("c#", ".net"),
    "cpp": ("c++",),
    "cc": ("c++",),
    "cxx": ("c++",),
    "hpp": ("c++",),
    "c": ("c",),
    "h": ("c",),
    "php": ("php",),
    "swift": ("swift",),
    "scala": ("scala",),
    "hs": ("haskell",),
    "ex": ("elixir",),
    "exs": ("elixir",),
    "erl": ("erlang",),
    "clj": ("clojure",),
    "jl": ("julia",),
    "lua": ("lua",),
    "dart": ("dart",),
    "pl": ("perl",),
    "sh": ("bash",),
    "bash": ("bash",),
    "sql": ("sql",),
    "zig": ("zig",),
    "html": ("html",),
    "htm": ("html",),
    "css": ("css",),
    "scss": ("sass",),
    "sass": ("sass",),
    "vue": ("vue",),
    "svelte": ("svelte",),
    "tf": ("terraform",),
    "tfvars": ("terraform",),
    "gradle": ("java",),
    "sqlite3": ("sqlite",),
    "wasm": ("webassembly",),
    "graphql": ("graphql",),
}
FILE_NAMES: dict[str, tuple[str, ...]] = {
    "dockerfile": ("docker",),
    "docker-compose.yml": ("docker",),
    "docker-compose.yaml": ("docker",),
    "compose.yaml": ("docker",),
    "cargo.toml": ("rust",),
    "go.mod": ("go",),
    "go.sum": ("go",),
    "package.json": ("node.js", "javascript"),
    "package-lock.json": ("node.js",),
    "requirements.txt": ("python",),
    "pyproject.toml": ("python",),
    "setup.py": ("python",),
    "gemfile": ("ruby",),
    "pom.xml": ("java",),
    "build.gradle": ("java",),
    "jenkinsfile": ("jenkins",),
    "chart.yaml": ("helm", "kubernetes"),
    "values.yaml": ("helm",),
    "angular.json": ("angular",),
    "tsconfig.json": ("typescript",),
    "webpack.config.js": ("webpack",),
    "vite.config.js": ("vite",),
    "vite.config.ts": ("vite",),
    "tailwind.config.js": ("tailwind",),
    "next.config.js": ("next.js",),
    "nginx.conf": ("nginx",),
    ".gitignore": ("git",),
    "podfile": ("ios",),
    "androidmanifest.xml": ("android",),
    "pubspec.yaml": ("flutter", "dart"),
    "manage.py": ("django", "python"),
    "composer.json": ("php",),
    "deployment.yaml": ("kubernetes",),
    ".github/workflows": ("github-actions",),
}
# A file is read token by token (words between spaces and quotes), so the time is linear in
# the text whatever it holds: `src/App.tsx`, `main.rs:12`, `(Dockerfile)`.
_TOKEN = re.compile(r"[^\s`'\"()\[\]{}<>,;]+")
_FILE = re.compile(r"([\w./-]*\.([A-Za-z0-9]{1,8}))(?::\d+)*[.:!?]?")
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9+#._-]{1,20})")

# Errors, commands, APIs and packages that give a technology away.
_CUES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    # Python
    (r"Traceback \(most recent call last\)", ("python",), CUE),
    (
        r"\b(?:ModuleNotFoundError|IndentationError|AttributeError|KeyError|ImportError|"
        r"NameError|ZeroDivisionError|StopIteration|RecursionError|UnboundLocalError)\b",
        ("python",),
        CUE,
    ),
    (
        r"\bpip3? install\b|\bvenv\b|\bvirtualenv\b|\bconda\b|\bpoetry\b|__init__|\bdef \w+\(",
        ("python",),
        CUE,
    ),
    (
        r"\bimport (?:pandas|numpy|torch|tensorflow|django|flask|fastapi|requests|asyncio|"
        r"sklearn)\b",
        ("python",),
        WEAK_CUE,
    ),
    (r"\bpd\.\w+|\bDataFrame\b|\bread_csv\b|\.groupby\(|\bimport pandas\b", ("pandas",), CUE),
    (r"\bnp\.\w+|\bndarray\b|\bimport numpy\b", ("numpy",), CUE),
    (r"\bimport torch\b|\btorch\.\w+|\bnn\.Module\b|\bCUDA out of memory\b", ("pytorch",), CUE),
    (r"\bfrom sklearn\b|\bsklearn\.|\btrain_test_split\b", ("scikit-learn",), CUE),
    (r"\bimport tensorflow\b|\btf\.keras\b|\bkeras\b", ("tensorflow",), CUE),
    (r"\bfrom django\b|\bmodels\.Model\b|\bmanage\.py\b|\bDjango\b", ("django",), CUE),
    (r"\bfrom flask\b|@app\.route\b|\bblueprints?\b", ("flask",), CUE),
    (r"\bgunicorn\b|\bPyPI\b|\bpipenv\b", ("python",), CUE),
    (r"\boperands could not be broadcast\b|\bvectori[sz]e\b|\bbroadcasting\b", ("numpy",), CUE),
    (
        r"\bhugging ?face\b|\bBERT\b|\btokeni[sz]ers?\b|\bsentiment analysis\b",
        ("nlp", "deep-learning"),
        CUE,
    ),
    (
        r"\bYOLO\w*|\bobject detection\b|\bbounding box(?:es)?\b|\bOpenCV\b|"
        r"\bimage classification\b",
        ("computer-vision",),
        CUE,
    ),
    (
        r"\bmy prompts?\b|\bsystem prompt\b|\bprompt(?:ing)? (?:for|to|that)\b",
        ("prompt-engineering",),
        CUE,
    ),
    (r"\bNullInjectorError\b|\bNo provider for\b", ("angular",), CUE),
    (
        r"<(?:div|section|article|span|form|input|button|nav|header|main)\b|\bsemantic html\b",
        ("html",),
        CUE,
    ),
    (
        r"\bLighthouse\b|\blargest contentful paint\b|\bcore web vitals\b|(?-i:\bLCP\b|\bCLS\b)",
        ("web-performance",),
        CUE,
    ),
    (r"\bunique_ptr\b|\bshared_ptr\b|\bRAII\b|\bvtable\b", ("c++",), CUE),
    (r"\bEADDRINUSE\b|\bECONNREFUSED\b|\bexpress server\b", ("node.js",), WEAK_CUE),
    (r"\bMongoServerError\b|\bE11000\b", ("mongodb",), CUE),
    (r"\b6379\b|\bredis-cli\b", ("redis",), CUE),
    (r"\bcypher\b|\bMATCH \(\w*:", ("neo4j",), CUE),
    (r"\bDAGs?\b", ("airflow",), CUE),
    (r"(?-i:\b[A-Z][a-z]+(?:[A-Z][a-z]+)+Exception\b)", ("java",), CUE),
    (r"\bNullReferenceException\b|\bInvalidOperationException\b", ("c#",), CUE),
    (r"\b:wq\b|\bneovim\b|\bnvim\b|\bvimrc\b", ("vim",), CUE),
    (r"2>&1|\bstderr\b|\bstdout\b", ("bash",), CUE),
    (r"(?-i:\bHAVING\b|\bWHERE\b)", ("sql",), WEAK_CUE),
    (
        r"\bmany-to-many\b|\bnormali[sz]ation\b|\bschema design\b|\bjoin tables?\b|\bone-to-many\b",
        ("database-design",),
        CUE,
    ),
    (
        r"\binheritance\b|\bpolymorphism\b|\bencapsulation\b|\bcomposition over\b|"
        r"\babstract class(?:es)?\b",
        ("oop",),
        CUE,
    ),
    (
        r"\bversion(?:ing)? (?:a |the |our )?(?:public )?APIs?\b|"
        r"\bAPI versioning\b|\bbreaking (?:existing )?clients\b|\bAPI design\b",
        ("api-design",),
        CUE,
    ),
    (r"\bfirewall\b|\bVPN\b|\bnetwork segmentation\b", ("network-security",), CUE),
    (r"\bbcrypt\b|\bargon2\b|\bscrypt\b", ("security", "cryptography"), CUE),
    (
        r"\bdesign docs?\b|\bREADME\b|\bwrite (?:better )?docs\b",
        ("technical-writing", "documentation"),
        CUE,
    ),
    (
        r"\binfinite scroll\b|\bpagination\b|\bonboarding flow\b|\bcheckout flow\b",
        ("ux-design",),
        CUE,
    ),
    (
        r"\bpersonal (?:website|brand)\b|\bportfolio\b|\bblog(?:ging)?\b",
        ("personal-branding",),
        WEAK_CUE,
    ),
    (r"\bfrom fastapi\b|\bFastAPI\(|\buvicorn\b", ("fastapi",), CUE),
    (r"\basync def\b|\bawait asyncio\b|\basyncio\.\w+|\bevent loop\b", ("asyncio",), WEAK_CUE),
    (r"\bjupyter\b|\bnotebook kernel\b", ("jupyter",), CUE),
    # JavaScript, TypeScript, their frameworks
    (
        r"Cannot read propert(?:y|ies) of (?:undefined|null)|is not a function\b|"
        r"\bundefined is not\b|\bconsole\.log\b|\bdocument\.\w+|\baddEventListener\b|"
        r"\bconst \w+ = |=> ?\{|\bPromise\.\w+|\bJSON\.parse\b",
        ("javascript",),
        CUE,
    ),
    (
        r"\bnpm ERR!|\bnpm (?:install|run|i)\b|\byarn (?:add|install)\b|\bnode_modules\b|"
        r"\bpnpm\b|\brequire\(['\"]",
        ("node.js",),
        CUE,
    ),
    (r"\bTS\d{4}\b|\binterface \w+ \{|: string\b|: number\b|\btsc\b", ("typescript",), CUE),
    (
        r"\buse(?:State|Effect|Ref|Memo|Callback|Context|Reducer)\b|\bJSX\b|\bReactDOM\b|"
        r"\bre-?render",
        ("react",),
        CUE,
    ),
    (
        r"\bgetServerSideProps\b|\bgetStaticProps\b|\bnext/(?:router|image|link|navigation)\b|"
        r"\bapp router\b",
        ("next.js",),
        CUE,
    ),
    (r"\brequire\(['\"]express['\"]\)|\bexpress\(\)|\bapp\.(?:get|post|use)\(", ("express",), CUE),
    (r"\bv-(?:if|for|model|bind)\b|\bdefineComponent\b|\bPinia\b|\bVuex\b", ("vue",), CUE),
    (r"\bngOnInit\b|@Component\(|\bNgModule\b|\bRxJS\b", ("angular",), CUE),
    (r"\bdispatch\(|\bcreateSlice\b|\buseSelector\b", ("redux",), CUE),
    (
        r"\bflexbox\b|\bgrid-template\b|\bz-index\b|\bmedia quer(?:y|ies)\b|\bcentering a div\b|"
        r"\bcenter a div\b",
        ("css",),
        CUE,
    ),
    # JVM, .NET, native
    (
        r"\bNullPointerException\b|\bpublic static void main\b|\bSystem\.out\.print|"
        r"\bClassNotFoundException\b|\bJVM\b|\bmaven\b|\bgradle\b",
        ("java",),
        CUE,
    ),
    (
        r"@Autowired\b|@RestController\b|\bSpring Boot\b|\bapplication\.properties\b|"
        r"@SpringBootApplication\b",
        ("spring",),
        CUE,
    ),
    (
        r"\bConsole\.WriteLine\b|\busing System\b|\bLINQ\b|\bNuGet\b|\bEntity Framework\b",
        ("c#", ".net"),
        CUE,
    ),
    (r"\bstd::|#include <(?:iostream|vector|string|memory)>|\btemplate ?<|\bcout\b", ("c++",), CUE),
    (
        r"#include <(?:stdio|stdlib|string)\.h>|\bmalloc\(|\bprintf\(|\bsegfault\b|"
        r"\bsegmentation fault\b",
        ("c",),
        CUE,
    ),
    (
        r"\berror\[E\d{4}\]|\bborrow checker\b|\bborrow(?:ed)? of moved value\b|"
        r"\bcargo (?:build|run|test|add)\b|\buse tokio\b|\bfn main\(\)|\blifetimes?\b|"
        r"\bimpl \w+ for\b",
        ("rust",),
        CUE,
    ),
    (
        r"\bgo (?:mod|run|build|get|test)\b|\bgoroutines?\b|\bfunc main\(\)|\bfmt\.Print|"
        r"\bnil pointer dereference\b",
        ("go",),
        CUE,
    ),
    (r"\bbundle exec\b|\bgem install\b|\bActiveRecord\b", ("ruby",), CUE),
    (r"\brails (?:new|server|console|generate|g)\b|\bActiveRecord\b", ("rails",), CUE),
    (r"\bcomposer (?:install|require)\b|\bArtisan\b|\bEloquent\b", ("php",), WEAK_CUE),
    (r"\bArtisan\b|\bEloquent\b|\bBlade template", ("laravel",), CUE),
    # Mobile
    (
        r"\bLogcat\b|\bAPK\b|\bAndroid Studio\b|(?-i:\bActivity\b|\bFragment\b)|\bGradle sync\b",
        ("android",),
        CUE,
    ),
    (r"\bXcode\b|\bUIKit\b|\bCocoaPods\b|\bTestFlight\b|\bApp Store\b|\biPhone\b", ("ios",), CUE),
    (r"\bSwiftUI\b|@State\b|\bVStack\b|\bHStack\b", ("swiftui",), CUE),
    (
        r"\bStatelessWidget\b|\bStatefulWidget\b|\bsetState\(|\bpubspec\b|\bflutter (?:run|"
        r"build|pub)\b",
        ("flutter",),
        CUE,
    ),
    (r"\bjetpack compose\b|@Composable\b", ("jetpack-compose",), CUE),
    # Data stores
    (
        r"(?-i:\bSELECT\b[\s\S]{1,200}?\bFROM\b|\bJOIN\b|\bWHERE \w+ (?:=|IN|LIKE))|"
        r"\bselect \*|\bselect \w+(?:, ?\w+)+ from\b|\b(?:inner|left|right|outer) join\b|"
        r"\bGROUP BY\b|\bINSERT INTO\b|\bstored procedures?\b|"
        r"\bforeign key\b|\bprimary key\b|\bsql quer(?:y|ies)\b",
        ("sql",),
        CUE,
    ),
    (r"\bERROR \d{4} \(\w+\)|\bmysqld?\b", ("mysql",), CUE),
    (r"\bpg_dump\b|\bpg_\w+\b|\bpsql\b|\bPostgres\b|\bjsonb\b|\bvacuum\b", ("postgresql",), CUE),
    (r"\bmongoose\b|\bcollection\.find\b|\bObjectId\b|\baggregation pipeline\b", ("mongodb",), CUE),
    (r"\bElasticsearch\b|\bKibana\b", ("elasticsearch",), CUE),
    # Cloud, containers, infrastructure
    (
        r"\bdocker (?:run|build|compose|ps|exec|push|pull)\b|\bdocker-compose\b|\bDockerfile\b|"
        r"\bcontainers?\b",
        ("docker",),
        WEAK_CUE,
    ),
    (
        r"\bdocker (?:run|build|compose|ps|exec|push|pull)\b|\bdocker-compose\b|\bDockerfile\b",
        ("docker",),
        CUE,
    ),
    (
        r"\bkubectl\b|\bCrashLoopBackOff\b|\bImagePullBackOff\b|\bpods?\b|\bingress\b|"
        r"\bminikube\b|\bkubelet\b|(?-i:\bEKS\b|\bGKE\b|\bAKS\b)",
        ("kubernetes",),
        CUE,
    ),
    (r"\bhelm (?:install|upgrade|chart|template)\b|\bhelm charts?\b", ("helm",), CUE),
    (
        r"\bterraform (?:plan|apply|init|state|import)\b|\bresource \"aws_|\.tfstate\b",
        ("terraform",),
        CUE,
    ),
    (
        r"(?-i:\bEC2\b|\bS3\b|\bIAM\b|\bECS\b|\bAWS\b|\bRDS\b)|\bCloudFormation\b|\bboto3\b|"
        r"\bCloudWatch\b|\bFargate\b|\bRoute ?53\b",
        ("aws",),
        CUE,
    ),
    (r"(?-i:\bLambda\b)|\bAPI Gateway\b|\bserverless\b", ("serverless",), WEAK_CUE),
    (r"\bBigQuery\b|\bCloud Run\b|\bGCS bucket\b|\bgcloud\b|\bFirebase\b", ("gcp",), CUE),
    (r"\bAzure\b|\baz (?:login|group|vm)\b", ("azure",), CUE),
    (
        r"\bruns-on:|\buses: actions/|\bGitHub Actions?\b|\.github/workflows\b",
        ("github-actions",),
        CUE,
    ),
    (
        r"\bCI/CD\b|\bCI pipeline\b|\bGitLab CI\b|\bCircleCI\b|\bpipeline (?:fails|failed|"
        r"is failing)\b",
        ("ci-cd",),
        CUE,
    ),
    (r"\bJenkins(?:file)?\b", ("jenkins",), CUE),
    (
        r"\bsystemd\b|\bsystemctl\b|\bchmod\b|\bchown\b|\bsudo\b|\bapt(?:-get)? install\b|"
        r"\bUbuntu\b|\bDebian\b|\bcron ?jobs?\b|\bcrontab\b|\bWSL\b",
        ("linux",),
        CUE,
    ),
    (
        r"#!/bin/(?:ba)?sh|\bshell scripts?\b|\bbash scripts?\b|\bawk\b|\bsed -|\bgrep\b|\bxargs\b",
        ("bash",),
        CUE,
    ),
    (r"\bnginx\b|\breverse proxy\b|\bproxy_pass\b", ("nginx",), CUE),
    (
        r"\bGrafana\b|\bPromQL\b|\bmetrics and alerts\b|\balerting\b|\bOpenTelemetry\b|\btracing\b",
        ("observability",),
        CUE,
    ),
    # Tools and practice
    (
        r"\b(?:undo|amend|squash|revert) (?:the |my |a )?(?:last )?commits?\b|"
        r"\bgit (?:rebase|merge|push|pull|commit|stash|checkout|cherry-pick|reset|clone|log|"
        r"branch|bisect|revert|switch|add)\b|\bmerge conflicts?\b|\bdetached HEAD\b|\brebas(?:e|"
        r"ing)\b",
        ("git",),
        CUE,
    ),
    (r"\bpull requests?\b|\bGitHub\b", ("github",), WEAK_CUE),
    (
        r"\bpytest\b|\bjest\b|\bunit tests?\b|\bmock(?:s|ing)?\b|\btest coverage\b|"
        r"\bintegration tests?\b|\bflaky tests?\b|\bunittest\b|\bJUnit\b|\bCypress\b|"
        r"\bPlaywright\b|\bSelenium\b",
        ("testing",),
        CUE,
    ),
    (
        r"\bbig[- ]o\b|\btime complexity\b|\bdynamic programming\b|\bbinary search\b|"
        r"\brecursion\b|\bsorting algorithms?\b|\bleetcode\b|\bDijkstra\b|\bBFS\b|\bDFS\b|"
        r"\bgreedy\b|\bmemoi[sz]ation\b",
        ("algorithms",),
        CUE,
    ),
    (
        r"\blinked lists?\b|\bbinary (?:search )?trees?\b|\bhash ?(?:map|table)s?\b|"
        r"\bmin-?heaps?\b|\bmax-?heaps?\b|\btrie\b|\bstacks? and queues?\b|\bdata structures?\b|"
        r"\bnodes? in (?:a|the) (?:tree|list|graph)\b",
        ("data-structures",),
        CUE,
    ),
    (
        r"\bsystem design\b|\bload balanc(?:er|ing)\b|\bsharding\b|\bhorizontal(?:ly)? scal|"
        r"\bscale to (?:millions|\d)|\bcaching layer\b|\bmessage queues?\b|\bdesign (?:a|"
        r"an) (?:url shortener|chat|twitter|rate limiter)",
        ("system-design",),
        CUE,
    ),
    (
        r"\brace conditions?\b|\bdeadlocks?\b|\bmutex\b|\bthreads?\b|\bthread-safe\b|"
        r"\bparallelism\b",
        ("concurrency",),
        WEAK_CUE,
    ),
    (
        r"\bstack trace\b|\bbreakpoints?\b|\bdebugger\b|\bpdb\b|\bgdb\b|\bstep through\b",
        ("debugging",),
        WEAK_CUE,
    ),
    (
        r"\bdesign patterns?\b|\bsingleton\b|\bfactory pattern\b|\bobserver pattern\b|"
        r"\bdependency injection\b",
        ("design-patterns",),
        CUE,
    ),
    (r"\bregex(?:es)?\b|\bregular expressions?\b", (), 0.0),
    (
        r"\bREST(?:ful)? API\b|\bHTTP (?:status|verbs?|methods?)\b|\bendpoints?\b|\bPUT vs PATCH\b",
        ("rest-api",),
        WEAK_CUE,
    ),
    (
        r"(?-i:\bLLMs?\b|\bRAG\b)|\bChatGPT\b|\bGPT-?\d\b|\bOpenAI\b|\bembeddings?\b|\bfine-?tun",
        ("llm",),
        CUE,
    ),
    (r"\bprompts?\b", ("prompt-engineering",), WEAK_CUE),
    (
        r"\boverfit(?:ting)?\b|\btrain(?:ing)? (?:a |the |my )?models?\b|\bclassifier\b|"
        r"\bregression model\b|\bfeature engineering\b|\bhyperparameters?\b|"
        r"\bgradient descent\b",
        ("machine-learning",),
        CUE,
    ),
    (
        r"\bneural net(?:work)?s?\b|(?-i:\bCNNs?\b)|\btransformer models?\b|\bbackprop",
        ("deep-learning",),
        CUE,
    ),
    (
        r"\bp-values?\b|\bstandard deviation\b|\bhypothesis test|\bconfidence intervals?\b|"
        r"\bA/B tests?\b|\bt-test\b",
        ("statistics",),
        CUE,
    ),
    (
        r"\bmatplotlib\b|\bseaborn\b|\bplotly\b|\bcharts?\b|\bdashboards?\b|\bTableau\b|"
        r"\bPower BI\b",
        ("data-visualization",),
        WEAK_CUE,
    ),
    # Security
    (
        r"\bXSS\b|\bSQL injection\b|\bCSRF\b|\bvulnerabilit(?:y|ies)\b|\bCVE-\d|\bsanitiz",
        ("security",),
        CUE,
    ),
    (
        r"\bJWTs?\b|\bsessions? cookies?\b|\bpassword hashing\b|\bbcrypt\b|(?-i:\b2FA\b|\bMFA\b|"
        r"\bSSO\b)|\bauthenticat",
        ("authentication",),
        CUE,
    ),
    (r"\bOAuth ?2?\b|\bOpenID\b|\baccess tokens?\b|\brefresh tokens?\b", ("oauth",), CUE),
    (r"(?-i:\bCORS\b|\bTLS\b)|\bHTTPS\b|\bSSL certificates?\b", ("security",), WEAK_CUE),
    (
        r"\bhashing\b|\bencrypt(?:ion|ed)?\b|(?-i:\bAES\b|\bRSA\b)|\bpublic key\b",
        ("cryptography",),
        WEAK_CUE,
    ),
    (r"\blog ?in\b|\bsign ?in\b|\bpasswords?\b", ("authentication",), WEAK_CUE),
    # Design and product
    (
        r"\bwireframes?\b|\busability\b|\buser flows?\b|\bpersonas?\b|\bjourney map",
        ("ux-design",),
        CUE,
    ),
    (
        r"\bmockups?\b|\bcolou?r palettes?\b|\btypography\b|\bvisual hierarchy\b|\bspacing\b",
        ("ui-design",),
        WEAK_CUE,
    ),
    (
        r"\buser interviews?\b|\busability tests?\b|\bsurvey(?:s)? of users\b",
        ("user-research",),
        CUE,
    ),
    (r"\broadmaps?\b|\bprioriti[sz]", ("product-management",), WEAK_CUE),
    (
        r"\bstand-?ups?\b|\bsprints?\b|\bretros?\b|\bkanban\b|\bstory points\b|\bsprint planning\b",
        ("agile", "scrum"),
        CUE,
    ),
    (r"\brace conditions?\b|\bdeadlocks?\b|\bmutex\b|\bthread-safe\b", ("concurrency",), CUE),
    (r"\bprocess and a thread\b|\bat the same time\b", ("concurrency",), WEAK_CUE),
    (r"\bsprint planning\b|\bstory points\b|\bscrum master\b", ("agile", "scrum"), CUE),
    (
        r"\bonboard(?:ing)? onto\b|\bhuge codebase\b|\bnew codebase\b|"
        r"\bstarting a new job\b",
        ("onboarding",),
        CUE,
    ),
    (
        r"\bimpost[eo]r\b|\b(?-i:IC) vs\b|\bmanagement track\b|\bwhere I can grow\b",
        ("career-growth",),
        CUE,
    ),
    (
        r"\bexpress (?:my|our) (?:concerns|ideas)\b|\bhow do I (?:tell|talk to|"
        r"approach|react)\b|\bmake a case\b|\bburning bridges\b|\btakes credit\b",
        ("communication",),
        CUE,
    ),
    (r"\bgot an offer\b|\boffer (?:for|of) \$?\d|\bhow do I counter\b", ("negotiation",), CUE),
    (
        r"\btech debt\b|\blegacy code(?:base)?\b|\bclean(?:ing)? (?:it|this|"
        r"the code) up\b",
        ("refactoring",),
        CUE,
    ),
    (r"\bburn(?:ing|ed|t)? (?:me )?out\b", ("work-life-balance",), CUE),
    # Careers
    (
        r"\binterview(?:s|ing|er)?\b|\bwhiteboard\b|\bbehavio(?:u)?ral questions?\b|"
        r"\bSTAR method\b|\btake-home\b|\bonsite\b",
        ("interviewing",),
        CUE,
    ),
    (r"\brésumé\b|\bresumes?\b|(?-i:\bCVs?\b)|\bcover letters?\b", ("resume",), CUE),
    (
        r"\bsalary\b|\bnegotiat|\bcounter-?offer\b|\bcompensation\b|\bequity\b|\b(?:a|pay) raise\b",
        ("negotiation",),
        CUE,
    ),
    (
        r"\bjob (?:search|hunt(?:ing)?|applications?|board)\b|\bapplying (?:for|to) (?:jobs|"
        r"roles|positions)\b|\blaid off\b|\bfirst job\b|\bget hired\b|\brecruiters?\b|"
        r"\bLinkedIn\b",
        ("job-search",),
        CUE,
    ),
    (
        r"\bpromot(?:ion|ed)\b|\bsenior (?:engineer|developer|dev)\b|\bnext level\b|"
        r"\bcareer (?:growth|path|progression|ladder)\b|\bstaff engineer\b|\bgrow (?:as|into)\b",
        ("career-growth",),
        CUE,
    ),
    (
        r"\bcareer change\b|\bswitch(?:ing)? (?:careers|into tech|to tech)\b|\bbootcamp\b|"
        r"\bchange careers\b|\bself-taught\b|\bbreak into\b",
        ("career-change",),
        CUE,
    ),
    (r"\bburn(?:ed|t)? ?out\b|\bwork-life\b|\boverwork", ("work-life-balance",), CUE),
    (r"\bfreelanc|\bclients?\b|\binvoic", ("freelancing",), WEAK_CUE),
    (r"\bopen[- ]source\b|\bfirst contribution\b|\bmaintainers?\b", ("open-source",), CUE),
    (
        r"\btalk at\b|\bconference talk\b|\bpresentation\b|\bpublic speaking\b|\bstage fright\b",
        ("public-speaking",),
        CUE,
    ),
    (
        r"\bmy (?:team lead|direct reports?)\b|\bas a (?:new )?manager\b|\b1:1s?\b|"
        r"\bone-on-ones?\b|\bmanaging (?:a team|people)\b",
        ("management",),
        WEAK_CUE,
    ),
    (r"\bfeedback\b|\bconflict with\b|\bdisagree\b|\bcommunicat", ("communication",), WEAK_CUE),
    (r"\bfocus\b|\bprocrastinat|\btime management\b|\bdistract", ("productivity",), WEAK_CUE),
    (
        r"\bnew job\b|\bfirst (?:week|month|day)\b|\bramp(?:ing)? up\b|\bnew codebase\b",
        ("onboarding",),
        WEAK_CUE,
    ),
)
# Case matters only where a pattern says so: (?-i:CV) is a résumé, "cv" may be computer vision.
CUES = tuple(
    (re.compile(pattern, re.IGNORECASE), skills, weight) for pattern, skills, weight in _CUES
)


# A library's evidence counts for its language too (at PARENT's share).
PARENTS: dict[str, str] = {
    "pandas": "python",
    "numpy": "python",
    "django": "python",
    "flask": "python",
    "fastapi": "python",
    "pytorch": "python",
    "scikit-learn": "python",
    "asyncio": "python",
    "jupyter": "python",
    "react": "javascript",
    "vue": "javascript",
    "angular": "typescript",
    "next.js": "react",
    "express": "node.js",
    "node.js": "javascript",
    "redux": "react",
    "spring": "java",
    "rails": "ruby",
    "laravel": "php",
    "swiftui": "swift",
    "jetpack-compose": "kotlin",
    "flutter": "dart",
    "helm": "kubernetes",
}

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#.\-]*:?")  # with its colon: `flask: ...`


@dataclass(frozen=True)
class Suggestion:
    """A skill the text points to, how strongly, and the first thing that pointed to it."""

    skill: str
    score: float
    why: str


def suggest_skills(text: str, taxonomy: Taxonomy, limit: int = 3) -> list[str]:
    """Up to `limit` skills of the taxonomy that the text is most likely about, best first."""
    return [s.skill for s in suggestions(text, taxonomy)[:limit]]


def suggestions(text: str, taxonomy: Taxonomy) -> list[Suggestion]:
    """Every skill of the taxonomy the text points to strongly enough, best first."""
    scores: dict[str, float] = {}
    why: dict[str, str] = {}
    order: dict[str, int] = {}

    def add(skills: Iterable[str], weight: float, reason: str, at: int) -> None:
        for rank, skill in enumerate(skills):
            if skill not in taxonomy:
                continue
            canonical = taxonomy.resolve(skill)
            # the first skill a fence or file names is the surest; the others lean
            gained = weight if rank == 0 else weight * 0.45
            scores[canonical] = scores.get(canonical, 0.0) + gained
            why.setdefault(canonical, reason)
            order.setdefault(canonical, at)

    for match in _FENCE.finditer(text):
        lang = match.group(1).lower()
        named = FENCE_LANGUAGES.get(lang) or ((lang,) if lang in taxonomy else ())
        add(named, FENCE, f"```{lang}", match.start())
    for token in _TOKEN.finditer(text):
        file = _FILE.fullmatch(token.group(0))
        if file is None or "@" in token.group(0):
            continue
        path, ext = file.group(1).lower(), file.group(2).lower()
        name = path.rsplit("/", 1)[-1]
        if name in FILE_NAMES:
            add(FILE_NAMES[name], FILE, name, token.start())
        elif not _looks_like_prose(path, ext):
            add(EXTENSIONS.get(ext, ()), FILE, name, token.start())
    lowered = text.lower()
    for name, skills in FILE_NAMES.items():
        if "/" in name or name in ("dockerfile", "jenkinsfile", "gemfile", "podfile"):
            at = lowered.find(name)
            if at >= 0:
                add(skills, FILE, name, at)
    for pattern, skills, weight in CUES:
        found = pattern.search(text)
        if found is not None:
            add(skills, weight, found.group(0)[:40], found.start())
    for skill, at, word in _named(text, taxonomy):
        add((skill,), NAMED, word, at)
    for child, parent in PARENTS.items():
        if child in scores and parent in taxonomy:
            canonical = taxonomy.resolve(parent)
            share = min(scores[child] * PARENT, 1.0)
            scores[canonical] = scores.get(canonical, 0.0) + share
            why.setdefault(canonical, f"via {child}")
            order.setdefault(canonical, order[child] + 1)
    ranked = sorted(scores, key=lambda s: (-scores[s], order[s]))
    return [Suggestion(s, round(scores[s], 3), why[s]) for s in ranked if scores[s] >= SHOWN]


def _looks_like_prose(path: str, ext: str) -> bool:
    """`e.g.`, `i.e.`, `v1.2`, a sentence's end glued to the next (`done.Go`): not files."""
    stem = path[: -len(ext) - 1]
    return not stem or stem in ("e", "i", "etc", "vs", "p", "a") or stem.replace(".", "").isdigit()


def _named(text: str, taxonomy: Taxonomy) -> list[tuple[str, int, str]]:
    """Skills named in the text (alone, or as two or three words: `machine learning`),
    with where, and the words as written."""
    words = [(m.group(0), m.start()) for m in _WORD.finditer(text)]
    tech = _TECH_WORDS.search(text) is not None
    out: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    i = 0
    while i < len(words):
        matched = False
        for size in (3, 2, 1):
            chunk = words[i : i + size]
            if len(chunk) < size:
                continue
            raw = " ".join(w for w, _ in chunk)
            for candidate in _forms([w for w, _ in chunk]):
                if candidate not in taxonomy:
                    continue
                skill = taxonomy.resolve(candidate)
                if size == 1 and candidate in AMBIGUOUS and not _reads_as_skill(words, i, tech):
                    continue
                if skill not in seen:
                    seen.add(skill)
                    out.append((skill, chunk[0][1], raw))
                matched = True
                break
            if matched:
                i += size
                break
        if not matched:
            i += 1
    return out


def _forms(chunk: list[str]) -> list[str]:
    """How a run of words may be written as a tag: `Machine Learning` is machine-learning,
    `Node.js,` is node.js, `Rust's` is rust."""
    cleaned = [w.strip(".,;:!?)('\"").lower() for w in chunk]
    if not all(cleaned):
        return []
    if len(cleaned) == 1:
        word = cleaned[0]
        forms = [word]
        for suffix in ("'s", "\u2019s", "s"):
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                forms.append(word[: -len(suffix)])
        return forms
    return ["-".join(cleaned), "".join(cleaned)]


def _reads_as_skill(words: list[tuple[str, int]], i: int, tech: bool) -> bool:
    """Whether an ambiguous name reads as the skill: as a topic (`flask: how do I...`,
    `deno vs node`), after a lead-in (`in Go`, `learning Rust`), and in a technical text
    also before a technical noun (`lua tables`) or written as a name mid-sentence (not
    `R&D`)."""
    raw = words[i][0]
    word = raw.strip(".,;:!?)('\"")
    before = words[i - 1][0].lower().strip(".,;:!?)('\"") if i > 0 else ""
    after = words[i + 1][0].lower().strip(".,;:!?)('\"") if i + 1 < len(words) else ""
    topic = raw.endswith(":") or "vs" in (before, after) or "versus" in (before, after)
    if len(word) == 1:  # c, r: only as a topic, or after a lead-in in a technical text
        return topic or (tech and before in _LEAD_INS)
    if topic or before in _STRONG_LEAD_INS:
        return True
    if not tech:
        return False
    if before in _LEAD_INS or _TECH_WORDS.fullmatch(after) is not None:
        return True
    sentence_start = i == 0 or words[i - 1][0].endswith((".", "!", "?"))
    return (word[:1].isupper() and not sentence_start) or (word.isupper() and len(word) > 1)
