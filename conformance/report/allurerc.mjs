// Allure 3 configuration for `make conformance` (npm `allure`, pinned in package.json).
// One self-contained HTML file (reports/html/index.html) that opens from file:// with no server.
// The tree groups tests by API (parent suite) → operation (suite) → rule kind (sub-suite).
// conformance/report/html.py strips the analytics tag the awesome template always includes.
export default {
  name: "pnd-conformance",
  plugins: {
    awesome: {
      options: {
        singleFile: true,
        reportName: "pnd-conformance",
        reportLanguage: "en",
        groupBy: ["parentSuite", "suite", "subSuite"],
      },
    },
  },
};
