#include "CheckDocs.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"

#include <utility>

namespace shmtidy {
namespace {

struct EmbeddedPage {
  llvm::StringRef Name;
  llvm::StringRef Text;
};

const std::vector<EmbeddedPage> &embeddedPages() {
  static const std::vector<EmbeddedPage> Pages = {
#include "CheckDocs.inc"
  };
  return Pages;
}

bool isUnderline(llvm::StringRef Line) {
  Line = Line.trim();
  return !Line.empty() && (Line.find_first_not_of('=') == llvm::StringRef::npos ||
                           Line.find_first_not_of('-') == llvm::StringRef::npos);
}

// Markdown inline markup read as plain text: `code`, **bold**, [text](url).
std::string plainText(llvm::StringRef Markdown) {
  static const llvm::Regex Link("\\[([^]]*)\\]\\([^)]*\\)");
  std::string Text = Markdown.str();
  std::string Error;
  while (Link.match(Text))
    Text = Link.sub("\\1", Text, &Error);
  std::string Plain;
  for (size_t I = 0; I < Text.size(); ++I) {
    if (Text[I] == '`')
      continue;
    if (Text[I] == '*' && I + 1 < Text.size() && Text[I + 1] == '*') {
      ++I;
      continue;
    }
    Plain += Text[I];
  }
  return Plain;
}

// Up to the first ". " (or the end), keeping the period.
std::string firstSentence(llvm::StringRef Paragraph) {
  size_t End = Paragraph.find(". ");
  if (End == llvm::StringRef::npos)
    return Paragraph.str();
  return Paragraph.take_front(End + 1).str();
}

} // namespace

CheckDoc parseCheckDoc(llvm::StringRef Page) {
  llvm::SmallVector<llvm::StringRef> Lines;
  Page.split(Lines, '\n');
  size_t I = 0;
  while (I < Lines.size() && Lines[I].trim().empty())
    ++I;
  // The title: "# name", or "name" underlined with === or ---.
  if (I < Lines.size() && Lines[I].starts_with("#"))
    ++I;
  else if (I + 1 < Lines.size() && isUnderline(Lines[I + 1]))
    I += 2;
  while (I < Lines.size() && Lines[I].trim().empty())
    ++I;

  CheckDoc Doc;
  Doc.Markdown = llvm::join(llvm::ArrayRef(Lines).drop_front(I), "\n");
  Doc.Markdown = llvm::StringRef(Doc.Markdown).rtrim().str() + "\n";

  // The first paragraph of prose: skip headings, code, tables and quotes.
  bool InFence = false;
  std::string Paragraph;
  for (; I < Lines.size(); ++I) {
    llvm::StringRef Line = Lines[I].trim();
    if (Line.starts_with("```")) {
      InFence = !InFence;
      continue;
    }
    if (InFence)
      continue;
    if (Line.empty()) {
      if (!Paragraph.empty())
        break;
      continue;
    }
    if (Paragraph.empty() && (Line.starts_with("#") || Line.starts_with("|") ||
                              Line.starts_with(">") || isUnderline(Line)))
      continue;
    if (!Paragraph.empty())
      Paragraph += ' ';
    Paragraph += Line.str();
  }
  Doc.Description = plainText(Paragraph);
  Doc.Summary = firstSentence(Doc.Description);
  return Doc;
}

std::optional<CheckDoc> findCheckDoc(llvm::StringRef CheckName) {
  for (const EmbeddedPage &Page : embeddedPages())
    if (Page.Name == CheckName)
      return parseCheckDoc(Page.Text);
  return std::nullopt;
}

} // namespace shmtidy
