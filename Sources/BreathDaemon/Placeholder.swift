import GRDB
import TOMLKit
import NIOPosix
import ServiceLifecycle
