#include "io/checkpoint.h"

#include <chrono>
#include <stdexcept>

#include "io/files.h"

#ifndef _WIN32
#include <unistd.h>
#endif

namespace egen {

void WriteCheckpoint(const std::string& dir, const std::vector<CheckpointFile>& files, Json manifest) {
  const std::string parent = ParentPath(dir).empty() ? "." : ParentPath(dir);
  MakeDirectories(parent);
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
#ifndef _WIN32
  const long pid = static_cast<long>(::getpid());
#else
  const long pid = 0;
#endif
  const std::string tmp = dir + ".tmp-" + std::to_string(pid) + "-" + std::to_string(stamp);
  RemoveAll(tmp);
  MakeDirectories(tmp);
  try {
    Json listing = Json::MakeObject();
    for (const CheckpointFile& f : files) {
      const std::string path = JoinPath(tmp, f.name);
      SaveSafetensors(path, f.tensors, f.metadata);
      Json entry = Json::MakeObject();
      entry["bytes"] = FileSize(path);
      entry["crc32"] = static_cast<int64_t>(FileCrc32(path));
      listing[f.name] = entry;
    }
    manifest["format"] = "egen-checkpoint";
    manifest["version"] = kCheckpointFormatVersion;
    manifest["files"] = listing;
    WriteFileDurably(JoinPath(tmp, kCheckpointManifest), manifest.Dump(2) + "\n");
    SyncDirectory(tmp);
    if (PathExists(dir)) RemoveAll(dir);
    RenamePath(tmp, dir);
    SyncDirectory(parent);
  } catch (...) {
    RemoveAll(tmp);
    throw;
  }
}

Json ReadCheckpointManifest(const std::string& dir) {
  if (!IsDirectory(dir)) throw std::runtime_error("checkpoint " + dir + " does not exist or is not a directory");
  const std::string path = JoinPath(dir, kCheckpointManifest);
  if (!PathExists(path)) throw std::runtime_error("checkpoint " + dir + " has no " + kCheckpointManifest);
  const Json manifest = Json::Parse(ReadFile(path), path);
  try {
    if (manifest.at("format").AsString() != "egen-checkpoint") throw std::runtime_error("format is not \"egen-checkpoint\"");
    const int64_t version = manifest.at("version").AsInt();
    if (version != kCheckpointFormatVersion) {
      throw std::runtime_error("format version " + std::to_string(version) + " is not supported (this build reads version " + std::to_string(kCheckpointFormatVersion) + ")");
    }
    manifest.at("model");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  for (const auto& [name, entry] : manifest.at("files").AsObject()) {
    const std::string file = JoinPath(dir, name);
    if (!PathExists(file)) throw std::runtime_error("checkpoint file " + file + " is missing");
    const int64_t bytes = FileSize(file);
    if (bytes != entry.at("bytes").AsInt()) {
      throw std::runtime_error("checkpoint file " + file + " is truncated or corrupt: " + std::to_string(bytes) + " bytes, expected " + std::to_string(entry.at("bytes").AsInt()));
    }
    if (static_cast<int64_t>(FileCrc32(file)) != entry.at("crc32").AsInt()) {
      throw std::runtime_error("checkpoint file " + file + " is corrupt: checksum mismatch");
    }
  }
  return manifest;
}

std::map<std::string, at::Tensor> LoadCheckpointFile(const std::string& dir, const std::string& name) {
  return LoadSafetensors(JoinPath(dir, name));
}

}  // namespace egen
