#include "SourcePositions.h"

#include <algorithm>

namespace shmtidy {

unsigned utf16Length(llvm::StringRef Utf8) {
  unsigned Units = 0;
  for (unsigned char Byte : Utf8) {
    if ((Byte & 0xC0) == 0x80)
      continue; // continuation byte
    Units += Byte >= 0xF0 ? 2 : 1; // four-byte sequences need a surrogate pair
  }
  return Units;
}

const SourcePositions::LoadedFile *SourcePositions::load(llvm::StringRef Path) {
  auto [It, Inserted] = Files.try_emplace(Path);
  if (Inserted) {
    auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (Buffer) {
      LoadedFile File;
      File.Buffer = std::move(*Buffer);
      llvm::StringRef Text = File.Buffer->getBuffer();
      File.LineStarts.push_back(0);
      for (size_t I = 0; I < Text.size(); ++I)
        if (Text[I] == '\n')
          File.LineStarts.push_back(static_cast<unsigned>(I + 1));
      It->second = std::move(File);
    }
  }
  return It->second ? &*It->second : nullptr;
}

std::optional<SourcePosition> SourcePositions::at(llvm::StringRef Path,
                                                  unsigned Offset) {
  const LoadedFile *File = load(Path);
  if (!File)
    return std::nullopt;
  llvm::StringRef Text = File->Buffer->getBuffer();
  if (Offset > Text.size())
    return std::nullopt;
  // The last line start at or before Offset.
  auto Next = std::upper_bound(File->LineStarts.begin(),
                               File->LineStarts.end(), Offset);
  const unsigned LineIndex =
      static_cast<unsigned>(Next - File->LineStarts.begin()) - 1;
  const unsigned LineStart = File->LineStarts[LineIndex];
  llvm::StringRef Line = Text.substr(LineStart).split('\n').first;
  Line.consume_back("\r");

  SourcePosition Position;
  Position.Line = LineIndex + 1;
  Position.Column = utf16Length(Text.slice(LineStart, Offset)) + 1;
  Position.LineText = Line.str();
  return Position;
}

} // namespace shmtidy
